/**
 * `npm run workbook` / `npm run notebook` resolve a relative SLT_STORE, --out and notebook path
 * against the folder npm was started from (INIT_CWD), like ./slt does, and hand the kernels
 * (which run in notebooks/) the absolute store.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { checkNbconvert, findJupyter } from "../../scripts/workbook";
import { absoluteStore, invocationDir, resolveNotebook } from "../../scripts/workbook";
import { runProcess } from "../plot/chromium";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const RUNNER = path.join(ROOT, "dist", "scripts", "workbook.js");

describe("the folder npm run was started from", () => {
  it("is INIT_CWD when npm started this script, else the working folder (an inherited INIT_CWD is someone else's)", () => {
    assert.equal(invocationDir("workbook", { npm_lifecycle_event: "workbook", INIT_CWD: "/a/b" }, "/pkg"), "/a/b");
    assert.equal(invocationDir("workbook", { npm_lifecycle_event: "test", INIT_CWD: "/a/b" }, "/pkg"), "/pkg");
    assert.equal(invocationDir("notebook", { npm_lifecycle_event: "workbook", INIT_CWD: "/a/b" }, "/pkg"), "/pkg");
    assert.equal(invocationDir("workbook", {}, "/pkg"), "/pkg");
  });

  it("makes a relative SLT_STORE absolute against it and leaves an absolute or unset one", () => {
    assert.equal(absoluteStore({ SLT_STORE: "relstore" }, "/a/b"), path.resolve("/a/b/relstore"));
    assert.equal(absoluteStore({ SLT_STORE: "runs.arrow" }, "/a/b"), path.resolve("/a/b/runs.arrow"));
    assert.equal(absoluteStore({ SLT_STORE: "/x/runs" }, "/a/b"), "/x/runs");
    assert.equal(absoluteStore({ SLT_STORE: " " }, "/a/b"), undefined);
    assert.equal(absoluteStore({}, "/a/b"), undefined);
  });

  it("resolves a notebook path against it, names and prefixes against notebooks/", () => {
    const smoke = path.join(ROOT, "notebooks", "00-smoke.ipynb");
    assert.equal(resolveNotebook(ROOT, "00-smoke", "/nowhere"), smoke);
    assert.equal(resolveNotebook(ROOT, "00-smoke.ipynb", path.join(ROOT, "notebooks")), smoke);
    assert.equal(resolveNotebook(ROOT, path.join("notebooks", "00-smoke.ipynb"), ROOT), smoke);
  });

  it("a bad SLT_LIMIT is a usage error before any notebook runs", async () => {
    const run = await runProcess(process.execPath, [RUNNER, "00-smoke"], 60_000, { cwd: ROOT, env: { ...process.env, SLT_LIMIT: "tiny" } });
    assert.equal(run.code, 2, run.output);
    assert.match(run.output, /SLT_LIMIT must be "smoke"/);
  });

  it(
    "npm run workbook started in another folder uses that folder's relstore and --out, not notebooks/relstore",
    { skip: checkNbconvert(findJupyter()).ok ? false : "jupyter nbconvert is not installed", timeout: 300_000 },
    async () => {
      const from = fs.mkdtempSync(path.join(os.tmpdir(), "slt-invocation-"));
      try {
        // What npm passes a script it runs: cwd = the package root, INIT_CWD = where npm was started.
        const env = { ...process.env, npm_lifecycle_event: "workbook", INIT_CWD: from, SLT_STORE: "relstore", SLT_LIMIT: "smoke" };
        const run = await runProcess(process.execPath, [RUNNER, "00-smoke", "--out", "wb"], 240_000, { cwd: ROOT, env });
        assert.equal(run.code, 0, run.output.slice(-4000));
        assert.match(run.output, new RegExp(`store ${path.join(from, "relstore").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
        assert.ok(fs.existsSync(path.join(from, "wb", "00-smoke.html")), "the page went to --out under the starting folder");
        const page = fs.readFileSync(path.join(from, "wb", "00-smoke.html"), "utf8");
        assert.ok(page.includes(path.join(from, "relstore")), "the page states the store it read");
        assert.ok(page.includes("SLT_LIMIT=smoke: 512 training images"), "the page states that its runs were capped");
        assert.equal(fs.existsSync(path.join(ROOT, "notebooks", "relstore")), false);
        assert.equal(fs.existsSync(path.join(ROOT, "wb")), false);
      } finally {
        fs.rmSync(from, { recursive: true, force: true });
      }
    },
  );
});
