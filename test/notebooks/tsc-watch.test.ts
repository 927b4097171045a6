/**
 * `npm run notebook`'s watcher compiles exactly as `npm run build` does (package.json's build
 * command: the declared TypeScript, tsconfig.json, the repository root), starts with 0 errors,
 * and reports an error it sees. It runs on a copy of the sources so that its output never
 * rewrites the dist/ other tests are loading.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildCommand, startTscWatch, stopChild } from "../../scripts/notebook";
import { waitFor } from "../cli/helpers";

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("tsc --watch of npm run notebook", { timeout: 600_000 }, () => {
  let copy: string;
  before(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "slt-tsc-watch-"));
    for (const f of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    for (const d of ["src", "test", "bench", "scripts"]) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  });
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  it("runs the build's command: the TypeScript package.json declares, on tsconfig.json", () => {
    const [cmd, ...args] = buildCommand(ROOT);
    assert.deepEqual(args.slice(-2), ["-p", "tsconfig.json"]);
    const version = spawnSync(cmd!, [...args.slice(0, -2), "--version"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    const declared = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> })
      .devDependencies.typescript;
    const installed = (
      JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8")) as { version: string }
    ).version;
    assert.equal(version, `Version ${installed}`);
    assert.equal(declared?.replace(/^[~^]/, ""), installed, "the installed typescript is the declared one");
  });

  it("starts with 0 errors and reports one that a save introduces", async () => {
    const lines: string[] = [];
    const watcher = startTscWatch(copy, (l) => lines.push(l));
    try {
      const started = await waitFor(() => lines.some((l) => /Found \d+ errors?\./.test(l)), 480_000);
      assert.ok(started, `no "Found N errors" line:\n${lines.join("\n")}`);
      assert.ok(
        lines.some((l) => l.includes("Found 0 errors.")),
        lines.join("\n"),
      );
      fs.writeFileSync(path.join(copy, "src", "watch-probe.ts"), "export const broken: number = 'not a number';\n");
      const reported = await waitFor(() => lines.some((l) => /Found 1 error\./.test(l)), 120_000);
      assert.ok(reported, `the watcher did not report the error:\n${lines.join("\n")}`);
      assert.ok(
        lines.some((l) => l.includes("watch-probe.ts") && l.includes("TS2322")),
        lines.join("\n"),
      );
    } finally {
      await stopChild(watcher, "SIGTERM", 5000);
    }
  });
});
