/**
 * The package imports itself by name ("exports" in package.json): README's
 * `import … from "slt-workbench"` works inside the checkout (ES module, `require`, TypeScript
 * compiled with module nodenext to an ES module or to CommonJS) and from another project that installed the checkout
 * (`npm install /path/to/slt-workbench` links the folder into node_modules/slt-workbench; the
 * test makes that link itself rather than run npm). tslab notebooks resolve modules the Node 10
 * way, which ignores "exports": in this checkout they import ../dist/src (what the test checks
 * they can), in another project the linked package by name.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const TSC = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const TSLAB_CONVERTER = require.resolve("tslab/dist/converter", { paths: [ROOT] });

/** A program that uses the public API without training. */
const PROGRAM = `import { runExperiment, findRun, runId, parseRunConfig } from "slt-workbench";
console.log(typeof runExperiment, typeof findRun, runId(parseRunConfig({ dataset: "synthetic" })).length);
`;
const EXPECTED = "function function 16";

function node(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * Compiles the program with the repo's tsc as README says and runs it; its output. As `.mts`
 * (an ES module, README's example) or `.cts` (compiled to CommonJS: `require("slt-workbench")`).
 */
function compileAndRun(dir: string, kind: "mts" | "cts" = "mts"): string {
  fs.writeFileSync(path.join(dir, `example.${kind}`), PROGRAM);
  const tsc = node([TSC, "--module", "nodenext", "--target", "es2022", "--skipLibCheck", `example.${kind}`], dir);
  assert.equal(tsc.code, 0, tsc.out);
  const js = `example.${kind === "mts" ? "mjs" : "cjs"}`;
  if (kind === "cts") assert.match(fs.readFileSync(path.join(dir, js), "utf8"), /require\("slt-workbench"\)/);
  const run = node([js], dir);
  assert.equal(run.code, 0, run.out);
  return run.out.trim();
}

/** tslab's compile of one notebook cell in `cwd`: its diagnostics' messages. */
function tslabDiagnostics(cwd: string, cell: string): string[] {
  const script = `const c = require(${JSON.stringify(TSLAB_CONVERTER)}).createConverter();
const out = c.convert("", ${JSON.stringify(cell)});
c.close();
console.log(JSON.stringify(out.diagnostics.map((d) => d.messageText)));`;
  const r = node(["-e", script], cwd);
  assert.equal(r.code, 0, r.out);
  return JSON.parse(r.out.trim().split("\n").pop() ?? "[]") as string[];
}

describe("the package by name", () => {
  let inside: string;
  let project: string;
  before(() => {
    // Inside the checkout (dist/ is ignored by git), so the self-reference applies.
    inside = fs.mkdtempSync(path.join(ROOT, "dist", ".package-import-"));
    project = fs.mkdtempSync(path.join(os.tmpdir(), "slt-package-import-"));
    fs.writeFileSync(path.join(project, "package.json"), '{ "name": "my-study", "private": true }\n');
    fs.mkdirSync(path.join(project, "node_modules"));
    fs.symlinkSync(ROOT, path.join(project, "node_modules", "slt-workbench"), "dir");
  });
  after(() => {
    fs.rmSync(inside, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  });

  it("imports inside the checkout: ES module, require (also from notebooks/), TypeScript", () => {
    const esm = node(
      ["--input-type=module", "-e", 'import { runExperiment } from "slt-workbench"; console.log(typeof runExperiment);'],
      ROOT,
    );
    assert.equal(esm.out.trim(), "function", esm.out);
    for (const cwd of [ROOT, path.join(ROOT, "notebooks")]) {
      const cjs = node(["-e", 'console.log(typeof require("slt-workbench").findRun)'], cwd);
      assert.equal(cjs.out.trim(), "function", cjs.out);
    }
    assert.equal(compileAndRun(inside), EXPECTED);
    assert.equal(compileAndRun(inside, "cts"), EXPECTED);
  });

  it("imports from another project that installed the checkout: TypeScript and require", () => {
    assert.equal(compileAndRun(project), EXPECTED);
    assert.equal(compileAndRun(project, "cts"), EXPECTED);
    const cjs = node(["-e", 'console.log(typeof require("slt-workbench").runExperiment)'], project);
    assert.equal(cjs.out.trim(), "function", cjs.out);
  });

  it("a package that does not exist is still an error (the check can fail)", () => {
    const r = node(["--input-type=module", "-e", 'import "slt-workbench-nope";'], ROOT);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /ERR_MODULE_NOT_FOUND/);
  });

  it("tslab compiles the imports a notebook uses: ../dist/src in this checkout, the name in another project", () => {
    assert.deepEqual(tslabDiagnostics(path.join(ROOT, "notebooks"), 'import { runExperiment } from "../dist/src";\nrunExperiment;'), []);
    assert.deepEqual(tslabDiagnostics(project, 'import { runExperiment } from "slt-workbench";\nrunExperiment;'), []);
  });
});
