/**
 * The run store and import sources as a user may get them wrong: a store path that is a
 * file (every command: one clear error, exit 2), a store folder that does not exist yet
 * (read-only commands say so and create nothing), and `slt import` of something that is
 * neither an export nor a store (exit 2, nothing written) against an empty real one (exit 0).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// This file compiles to <out>/test/cli/; the CLI to <out>/src/cli/main.js.
const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-store-input-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function slt(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: scratch,
    encoding: "utf8",
    env: { ...process.env, SLT_STORE: path.join(scratch, "default-store"), ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code 2, one message mentioning every string, no stack trace. */
function assertCleanError(r: CliResult, mention: string[]): void {
  assert.equal(r.code, 2, `exit code ${r.code}; stderr:\n${r.stderr}`);
  assert.match(r.stderr, /^error: /);
  assert.equal((r.stderr.match(/error:/g) ?? []).length, 1, `one message, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]\d/, `no stack trace:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/);
  for (const m of mention) assert.ok(r.stderr.includes(m), `stderr should mention ${m}:\n${r.stderr}`);
}

const afile = path.join(scratch, "afile");
fs.writeFileSync(afile, "not a store\n");
const spec = path.join(scratch, "spec.json");
fs.writeFileSync(spec, JSON.stringify({ name: "s", base: { dataset: "synthetic", epochs: 1 }, grid: { seed: [1, 2, 3, 4] } }));

test("a store path that is a file: every command is one clear error naming it, exit 2, with --store or SLT_STORE", () => {
  const commands = [
    ["runs"],
    ["show", "abcd"],
    ["gc"],
    ["export", "--out", path.join(scratch, "out.json")],
    ["import", path.join(scratch, "nothing-to-import.json")],
    ["sweep", spec, "--dry-run"],
    ["sweep", spec, "--jobs", "1"],
    ["run", "--dataset", "synthetic", "--epochs", "1"],
  ];
  for (const args of commands) {
    for (const [store, how] of [
      [afile, "--store"],
      [path.join(afile, "runs"), "SLT_STORE"],
    ]) {
      const r = how === "--store" ? slt([...args, "--store", store]) : slt(args, { SLT_STORE: store });
      assertCleanError(r, [`The run store ${store} is not a folder`, `${afile} is a file`, "--store (or SLT_STORE)"]);
      assert.equal(r.stdout, "", `${args.join(" ")}: nothing on stdout`);
    }
  }
  // slt info reports the store as it is, and still lists the rest.
  const info = slt(["info", "--store", afile]);
  assert.equal(info.code, 0, info.stderr);
  assert.ok(info.stdout.includes(`run store:          ${afile} (unusable: The run store ${afile} is not a folder`), info.stdout);
  assert.equal(fs.readFileSync(afile, "utf8"), "not a store\n", "the file is untouched");
  assert.equal(fs.existsSync(path.join(scratch, "out.json")), false);
});

test("a store folder that does not exist yet: read-only commands say so and create nothing", () => {
  const missing = path.join(scratch, "not-made-yet");
  const runs = slt(["runs", "--store", missing]);
  assert.equal(runs.code, 0, runs.stderr);
  assert.equal(runs.stdout, `No runs in ${missing} (the folder does not exist yet).\n`);
  const json = slt(["runs", "--json", "--store", missing]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), []);
  const gc = slt(["gc", "--store", missing]);
  assert.equal(gc.code, 0, gc.stderr);
  assert.equal(gc.stdout, `nothing to remove in ${missing} (the folder does not exist yet)\n`);
  // Nothing to show or export is bad input: a mistyped --store is the usual cause.
  assertCleanError(slt(["show", "abcd", "--store", missing]), ["No run abcd", missing, "does not exist yet"]);
  assertCleanError(slt(["export", "--out", path.join(scratch, "out.json"), "--store", missing]), [missing, "does not exist yet"]);
  const plan = slt(["sweep", spec, "--dry-run", "--store", missing]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /^4 new$/m);
  assert.ok(plan.stdout.includes(`— store ${missing} (the folder does not exist yet)`), plan.stdout);
  const info = slt(["info", "--store", missing]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^run store: +.* \(the folder does not exist yet; the first run makes it\)$/m);
  assert.equal(fs.existsSync(missing), false, "no command made the folder");
});

test("slt import of a folder that is not a store, or of JSON that is not an export: one clear error, exit 2, nothing written", () => {
  const store = path.join(scratch, "import-target");
  const notAStore = path.join(scratch, "some-folder");
  fs.mkdirSync(notAStore);
  fs.writeFileSync(path.join(notAStore, "notes.txt"), "hello\n");
  fs.mkdirSync(path.join(notAStore, "photos"));
  assertCleanError(slt(["import", notAStore, "--store", store]), [
    notAStore,
    "neither a run export",
    "nor a run store folder",
    "notes.txt",
  ]);

  const rows = path.join(scratch, "rows.json");
  fs.writeFileSync(rows, JSON.stringify([{ a: 1 }]));
  assertCleanError(slt(["import", rows, "--store", store]), [rows, "is not a run export", 'row 1 has no "table" field', "slt export"]);

  const epochsOnly = path.join(scratch, "epochs-only.json");
  fs.writeFileSync(epochsOnly, JSON.stringify([{ table: "epoch", epoch: 1 }]));
  assertCleanError(slt(["import", epochsOnly, "--store", store]), [epochsOnly, 'no "run" row']);

  const otherCsv = path.join(scratch, "other.csv");
  fs.writeFileSync(otherCsv, "a,b\n1,2\n");
  assertCleanError(slt(["import", otherCsv, "--store", store]), [otherCsv, 'no "table" and "run" columns']);

  assert.equal(fs.existsSync(store), false, "nothing was written");
});

test("slt import of an empty but real store or export imports 0 runs, exit 0", () => {
  const store = path.join(scratch, "import-empty-target");
  const emptyStore = path.join(scratch, "empty-store");
  fs.mkdirSync(emptyStore);
  const emptyRows = path.join(scratch, "empty.json");
  fs.writeFileSync(emptyRows, "[]");
  const emptyCsv = path.join(scratch, "empty.csv");
  fs.writeFileSync(emptyCsv, "table,run\n");
  for (const source of [emptyStore, emptyRows, emptyCsv]) {
    const r = slt(["import", source, "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `imported 0 runs from ${source} into ${store}\n`);
  }
});
