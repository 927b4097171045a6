/**
 * What `slt run`, `slt show` and `slt runs` say about a run is true for it: a weights run
 * has no mask (no keepFraction, no prune rate), the training-set size tells a limitTrain
 * run from a full one, and a run stopped before its first checkpoint shows its config.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunConfigInput, parseRunConfig, runId } from "../../src/experiments/config";
import { RunStoppedError, executeRun } from "../../src/experiments/run";
import { RunStore } from "../../src/experiments/store";
import { sltIn } from "./helpers";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-listing-"));
const store = path.join(scratch, "runs");
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const slt = sltIn(scratch, store);

const small = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTest: 100, batchSize: 50, epochs: 2 } as const;
const flags = ["--dataset", "synthetic", "--width-multiplier", "0.1", "--limit-test", "100", "--batch-size", "50", "--epochs", "2"];

/** The cells of `slt runs`' row for `id`, by column name. */
function row(listing: string, id: string): Record<string, string> {
  const lines = listing.trimEnd().split("\n");
  const header = lines[0];
  const line = lines.find((l) => l.startsWith(id));
  assert.ok(line, `${id} listed:\n${listing}`);
  // Columns start where the header's names start; the last one runs to the end of the line.
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index ?? 0);
  const names = header.split(/\s+/);
  return Object.fromEntries(names.map((n, i) => [n, line.slice(starts[i], starts[i + 1] ?? line.length).trim()]));
}

test("a weights run is described as dense (no mask) by run, show and runs; never by keepFraction or prune rate", () => {
  const r = slt("run", "--method", "weights", "--limit-train", "200", ...flags);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^run [0-9a-f]{16}: weights lenet300 on synthetic, dense weights \(no mask\), backend /m);
  assert.match(
    r.stdout,
    /^run [0-9a-f]{16}: weights on lenet300 \/ synthetic \(200 training images\), dense weights \(no mask\), seed 0$/m,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /keepFraction|prune rate/);
  const id = runId(parseRunConfig({ ...small, method: "weights", limitTrain: 200 }));
  const show = slt("show", id.slice(0, 6));
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /dense weights \(no mask\)/);
  assert.doesNotMatch(show.stdout, /keepFraction|prune rate/);
  assert.equal(row(slt("runs").stdout, id).keep, "dense");
  // An EP run still states both.
  const ep = slt("run", "--limit-train", "200", "--keep-fraction", "0.3", ...flags);
  assert.equal(ep.code, 0, ep.stderr);
  assert.match(ep.stdout, /keepFraction 0\.3 \(prune rate 0\.700\)/);
});

test("slt runs shows the training-set size: a limitTrain run and a full run differ", async () => {
  const limited = await executeRun({ ...small, limitTrain: 300, seed: 5 }, { store });
  const full = await executeRun({ ...small, seed: 5 }, { store });
  assert.ok(limited.status === "trained" && full.status === "trained");
  assert.equal(limited.run.trainImages, 300);
  const fullCount = full.run.trainImages ?? 0;
  assert.ok(fullCount > 300, `the synthetic set is larger than 300 images: ${fullCount}`);
  const listing = slt("runs").stdout;
  assert.equal(row(listing, limited.run.id).train, "300");
  assert.equal(row(listing, full.run.id).train, fullCount.toLocaleString("en-US"));
  const json = JSON.parse(slt("runs", "--json").stdout) as { id: string; trainImages: number; limitTrain: number }[];
  assert.deepEqual(
    json
      .filter((l) => l.id === limited.run.id || l.id === full.run.id)
      .map((l) => [l.id, l.trainImages, l.limitTrain])
      .sort(),
    [
      [limited.run.id, 300, 300],
      [full.run.id, fullCount, 0],
    ].sort(),
  );
  // A run stored before the count was recorded shows its limitTrain as a bound.
  const rs = new RunStore(store);
  const { checksum: _c, fields: _f, trainImages: _t, ...old } = limited.run;
  fs.rmSync(rs.runDir(old.id), { recursive: true });
  rs.writeFinished(old);
  assert.equal(row(slt("runs").stdout, old.id).train, "≤ 300");
});

test("a run stopped before its first checkpoint is listed with its config and 'no checkpoint yet'", async () => {
  const config: RunConfigInput = {
    ...small,
    method: "iep",
    keepFraction: 0.25,
    limitTrain: 400,
    seed: 7,
    iep: { cycles: 2, epochsPerCycle: 1 },
  };
  let steps = 0;
  await assert.rejects(
    executeRun(config, { store, onEvent: (e) => e.type === "step" && steps++, shouldStop: () => steps >= 1 }),
    (e: unknown) => e instanceof RunStoppedError,
  );
  const id = runId(parseRunConfig(config));
  assert.equal(fs.existsSync(path.join(new RunStore(store).runDir(id), "checkpoint.bin")), false, "stopped before the first checkpoint");
  const cells = row(slt("runs").stdout, id);
  assert.deepEqual(
    { ...cells },
    {
      id,
      status: "interrupted",
      method: "iep",
      model: "lenet300",
      dataset: "synthetic",
      train: "400",
      keep: "0.25",
      seed: "7",
      epochs: "0/2",
      test: "–",
      DR: "–",
      label: "",
      note: "no checkpoint yet",
    },
  );
  const show = slt("show", id);
  assert.equal(show.code, 2);
  assert.match(
    show.stderr,
    /\(iep lenet300 on synthetic, keepFraction 0\.25 \(prune rate 0\.750\), seed 7\) is interrupted before its first checkpoint/,
  );
  // Once it finishes, the start record goes: run.json holds everything.
  const done = await executeRun(config, { store });
  assert.equal(done.status, "trained");
  assert.deepEqual(fs.readdirSync(new RunStore(store).runDir(id)), ["run.json"]);
  assert.equal(row(slt("runs").stdout, id).note, "");
});
