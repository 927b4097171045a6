/**
 * The compiled `slt` CLI, run as a user would: help text, dry runs, exit codes of bad
 * input, the backend report, and a tiny real run that `show` and `runs` then find.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, availableBackends } from "../../src/engine/backend";
import { describeConfigFields, parseRunConfig, runId } from "../../src/experiments/config";
import { CLI, type CliResult, sltIn } from "./helpers";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-cli-test-"));
const store = path.join(scratch, "runs");
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const slt = sltIn(scratch, store);

const squash = (s: string) => s.replace(/\s+/g, " ");

/** keepFraction → keep-fraction, iep.epochsPerCycle → iep-epochs-per-cycle. */
function flagOf(field: string): string {
  return `--${field.replace(/\./g, "-").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A bad-input run: exit code 2, one clear message, no stack trace, nothing on stdout. */
function assertUsageError(r: CliResult, mustMention: string[]): void {
  assert.equal(r.code, 2, `exit code ${r.code}; stderr:\n${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: /);
  assert.equal((r.stderr.match(/error:/g) ?? []).length, 1, `one message, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]/, "no stack trace");
  assert.doesNotMatch(r.stderr, /internal error/);
  for (const s of mustMention) assert.ok(r.stderr.includes(s), `stderr should mention ${s}:\n${r.stderr}`);
}

test("the compiled CLI is where this test expects it", () => {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: compile with tsc first`);
});

test("run --help lists every config field's flag and description", () => {
  const r = slt("run", "--help");
  assert.equal(r.code, 0, r.stderr);
  const help = squash(r.stdout);
  for (const f of describeConfigFields()) {
    assert.ok(f.description.length > 0, `${f.field} has no description`);
    assert.ok(help.includes(squash(f.description)), `description of ${f.field} missing from --help`);
    if (f.type !== "object" || f.field === "iterand")
      assert.ok(help.includes(`${flagOf(f.field)} `), `flag ${flagOf(f.field)} missing from --help`);
  }
});

test("run --dry-run prints the validated config and its run id, and trains nothing", () => {
  const r = slt(
    "run",
    "--dry-run",
    "--keep-fraction",
    "0.3",
    "--seed",
    "5",
    "--method",
    "iep",
    "--iep-cycles",
    "3",
    "--no-augment",
    "--step-milestones",
    "2,4",
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { id: string; config: Record<string, unknown> };
  const expected = parseRunConfig({
    keepFraction: 0.3,
    seed: 5,
    method: "iep",
    iep: { cycles: 3 },
    augment: false,
    stepMilestones: [2, 4],
  });
  assert.deepEqual(out.config, expected);
  assert.equal(out.id, runId(expected));
  assert.ok(!fs.existsSync(path.join(store, out.id)), "a dry run must not create the run folder");
});

test("an unknown option exits with code 2 and one message naming it", () => {
  assertUsageError(slt("run", "--keep-fracton", "0.3"), ["--keep-fracton"]);
  assertUsageError(slt("no-such-command"), ["no-such-command"]);
});

test("out-of-range and malformed values exit with code 2 and one message naming the field", () => {
  assertUsageError(slt("run", "--dry-run", "--keep-fraction", "1.5"), ["keepFraction", "1.5"]);
  assertUsageError(slt("run", "--dry-run", "--epochs", "0"), ["epochs", "0"]);
  assertUsageError(slt("run", "--dry-run", "--epochs", "many"), ["--epochs", "many"]);
  assertUsageError(slt("run", "--dry-run", "--method", "prune"), ["--method", "prune"]);
  assertUsageError(slt("run", "--dry-run", "--model", "nosuchnet"), ["nosuchnet", "lenet300"]);
  assertUsageError(slt("run", "--dry-run", "--dataset", "nosuchdata"), ["nosuchdata", "mnist"]);
  assertUsageError(slt("run", "--dry-run", "--width-multiplier", "0.001"), ['"widthMultiplier" = 0.001', "0 units", "≥ 0.005"]);
});

test("info prints the backend that runs: the first one available in the documented order", () => {
  const r = slt("info");
  assert.equal(r.code, 0, r.stderr);
  const available = availableBackends();
  const expected = BACKEND_ORDER.find((b) => available.includes(b));
  const line = r.stdout.split("\n").find((l) => l.startsWith("backend that runs:"));
  assert.ok(line, r.stdout);
  assert.equal(line.replace("backend that runs:", "").trim().split(" ")[0], expected);
  assert.ok(r.stdout.includes(`backends available: ${available.join(", ")}`), r.stdout);
});

test("--version prints the package, tfjs and Node versions and the backend that slt info says runs", () => {
  // The package.json of this checkout, found above the compiled test as the workbench finds its own.
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
  const info = slt("info");
  const runs = info.stdout.split("\n").find((l) => l.startsWith("backend that runs:")) ?? "";
  for (const flag of ["--version", "-V"]) {
    const r = slt(flag);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "", "nothing but the versions");
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `slt-workbench ${pkg.version}`);
    assert.equal(lines[1], `tfjs ${tf.version.tfjs}`);
    assert.equal(lines[2].split(" ")[1], runs.replace("backend that runs:", "").trim().split(" ")[0], `${r.stdout}\n${info.stdout}`);
    assert.equal(lines[3], `node ${process.versions.node}`);
  }
  assert.match(slt("--help").stdout, /-V, --version/);
});

test("--backend cpu: no tfjs advice banner, the backend is in the run's own start line", () => {
  const r = slt(
    "run",
    "--backend",
    "cpu",
    "--dataset",
    "synthetic",
    "--width-multiplier",
    "0.1",
    "--limit-train",
    "100",
    "--limit-test",
    "50",
    "--batch-size",
    "50",
    "--epochs",
    "1",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /looks like you are running TensorFlow\.js|tfjs-node for more details/);
  assert.match(r.stderr, /backend cpu \(1 thread\)/);
});

test("a tiny real run on synthetic data, then show <id prefix> and runs find it", () => {
  const args = [
    "--dataset",
    "synthetic",
    "--model",
    "lenet300",
    "--width-multiplier",
    "0.25",
    "--epochs",
    "1",
    "--limit-train",
    "400",
    "--limit-test",
    "200",
    "--batch-size",
    "50",
    "--backend",
    "wasm",
    "--label",
    "cli-smoke",
  ];
  const id = runId(
    parseRunConfig({
      dataset: "synthetic",
      model: "lenet300",
      widthMultiplier: 0.25,
      epochs: 1,
      limitTrain: 400,
      limitTest: 200,
      batchSize: 50,
      backend: "wasm",
      label: "cli-smoke",
    }),
  );

  const run = slt("--store", store, "run", ...args);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(`run ${id}`), run.stdout);
  assert.match(run.stdout, /test accuracy \d+\.\d+%/);
  assert.match(run.stdout, /dying ratio 0\.\d{4}/);
  assert.ok(run.stdout.includes(path.join(store, id)), "says where it is stored");
  assert.ok(fs.existsSync(path.join(store, id, "run.json")));
  assert.ok(run.stderr.includes("backend wasm"), run.stderr);

  const again = slt("--store", store, "run", ...args);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(again.stderr.includes("already finished"), again.stderr);

  const show = slt("--store", store, "show", id.slice(0, 6));
  assert.equal(show.code, 0, show.stderr);
  assert.ok(show.stdout.includes(`run ${id} (cli-smoke)`), show.stdout);
  assert.ok(show.stdout.includes("backend wasm"), show.stdout);
  const stored = JSON.parse(fs.readFileSync(path.join(store, id, "run.json"), "utf8")) as { result: { final: { testAccuracy: number } } };
  assert.ok(show.stdout.includes(`test accuracy ${(100 * stored.result.final.testAccuracy).toFixed(2)}%`), show.stdout);

  // The store comes from SLT_STORE here (no --store): the same folder.
  const runs = slt("runs");
  assert.equal(runs.code, 0, runs.stderr);
  const row = runs.stdout.split("\n").find((l) => l.startsWith(id));
  assert.ok(row, runs.stdout);
  assert.match(row, /\bfinished\b/);
  assert.match(row, /cli-smoke/);

  const missing = slt("show", "ffffffffffff");
  assertUsageError(missing, ["ffffffffffff", "slt runs"]);
});
