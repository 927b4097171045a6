/**
 * What a notebook records for the published pages (run ids, verdicts, CSVs), how the runner
 * turns it into NAME.results.json and NAME/*.csv, the claims table, and page-friendly run
 * progress (one kept line per batch of runs).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import type { Verdict } from "../../src/analysis/verdict";
import { TRANSIENT_END, TRANSIENT_START, transient } from "../../src/plot/notebook";
import { RECORD_ENV, csvFileName, readRecord, recordCsv, recordRunIds, recordVerdicts, toCsv } from "../../src/workbook/record";
import { claimsTableHtml, readPublished, writePageResults } from "../../src/workbook/published";
import { getRuns } from "../../src/workbook/runs";
import { verdictLines, verdictsHtml } from "../../src/workbook/verdicts";
import { TINY_LENET } from "../experiments/tiny-lenet";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slt-record-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const verdict = (outcome: Verdict["outcome"]): Verdict => ({
  id: "01.test-claim",
  slide: "7",
  claim: "a test claim",
  definition: "slope of y on x, 95 % CI",
  outcome,
  numbers: { slope: 0.0123456, n: 5 },
  evidence: "slope 0.012 [0.001, 0.024]",
});

describe("recording", () => {
  it("writes nothing outside the workbook runner", () => {
    const env = {};
    recordRunIds(["a"], env);
    assert.equal(recordCsv("x", [{ a: 1 }], env), "x.csv");
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it("turns a notebook's record into results beside the page, CSVs in a folder of its own", () => {
    const rec = path.join(tmp, "record");
    const env = { [RECORD_ENV]: rec };
    recordRunIds(["b", "a"], env);
    recordRunIds(["a", "c"], env);
    recordVerdicts(
      [verdict("holds"), { ...verdict("does not hold"), id: "01.other" }],
      { seeds: [1, 2, 3], setting: "lenet300 on mnist" },
      env,
    );
    recordCsv("DR vs prune rate", [{ pruneRate: 0.1, mean: 0.05 }], env);
    recordCsv("DR vs prune rate", [{ pruneRate: 0.3, mean: 0.25 }], env); // the last write of a name wins
    assert.equal(readRecord(rec).length, 5);

    const out = path.join(tmp, "out");
    fs.mkdirSync(out);
    const results = writePageResults(out, "01-x", "quick", rec);
    assert.deepEqual(results.runIds, ["a", "b", "c"]);
    assert.deepEqual(
      results.verdicts.map((v) => [v.id, v.outcome, v.seeds.join(","), v.setting]),
      [
        ["01.test-claim", "holds", "1,2,3", "lenet300 on mnist"],
        ["01.other", "does not hold", "1,2,3", "lenet300 on mnist"],
      ],
    );
    assert.deepEqual(results.csv, [{ name: "DR vs prune rate", file: "01-x/dr-vs-prune-rate.csv", rows: 1 }]);
    assert.equal(fs.readFileSync(path.join(out, "01-x", "dr-vs-prune-rate.csv"), "utf8"), "pruneRate,mean\n0.3,0.25\n");
    assert.deepEqual(readPublished(out), [results]);

    const html = claimsTableHtml([{ ...results, html: "01-x.html" }]);
    for (const text of [
      "a test claim",
      "✔ holds",
      "✘ does not hold",
      "Slope is 0.012 and n is 5.",
      "seeds 1, 2, 3",
      'href="01-x.html"',
      "slope of y on x",
    ])
      assert.ok(html.includes(text), `claims table shows ${text}`);
    assert.equal(claimsTableHtml([]), "");
  });
});

describe("CSV", () => {
  it("quotes what needs quoting and leaves missing and non-finite values empty", () => {
    assert.equal(
      toCsv([
        { a: 'say "hi", twice', b: null },
        { b: Number.NaN, c: 2 },
      ]),
      'a,b,c\n"say ""hi"", twice",,\n,,2\n',
    );
  });
  it("names files from figure names", () => {
    assert.equal(csvFileName("Swapped-in share p − DR (share of all edges)"), "swapped-in-share-p-dr-share-of-all-edges.csv");
    assert.throws(() => csvFileName("−"), /letters or digits/);
  });
});

describe("verdict display", () => {
  it("shows the definition beside each verdict", () => {
    const html = verdictsHtml([verdict("partly holds")], { seeds: [1, 2], setting: "s" }, "Deck claims");
    assert.ok(html.includes("slope of y on x, 95 % CI"));
    assert.ok(html.includes("◐ partly holds"));
    assert.ok(html.includes("2 seeds (1, 2)"));
    assert.deepEqual(verdictLines([verdict("inconclusive")]), [
      "? inconclusive — a test claim (deck page 7): slope 0.012 [0.001, 0.024] [tested: slope of y on x, 95 % CI]",
    ]);
  });
});

describe("run progress on a page", () => {
  it("marks every per-run line transient and keeps one summary line per batch", async () => {
    const lines: string[] = [];
    const config = {
      method: "ep" as const,
      ...TINY_LENET,
      backend: "cpu" as const,
    };
    const store = path.join(tmp, "runs");
    const runs = await getRuns([config, { ...config, seed: 1 }, config], { store, jobs: 1, write: (l) => lines.push(l) });
    assert.equal(runs.length, 3);
    const kept = lines.filter((l) => !(l.startsWith(TRANSIENT_START) && l.endsWith(TRANSIENT_END)));
    assert.equal(kept.length, 1, lines.join("\n"));
    assert.match(kept[0]!, /^\[runs\] 3 configs, 2 distinct runs: 0 from the store, 2 trained/);
    // The line quotes what an epoch took, from the runs' own timings.
    const perEpoch = runs.map((r) => r.timings.secondsPerEpoch).sort((a, b) => a - b);
    const median = Number(((perEpoch[0]! + perEpoch[2]!) / 2).toPrecision(3)); // runs 0 and 2 are one run
    assert.ok(kept[0]!.endsWith(` · an epoch took lenet300×0.1 on synthetic (64 images) ${median} s (median of 2 runs)`), kept[0]);
    assert.ok(lines.length > 4, "the live view still sees every run and epoch");

    lines.length = 0;
    await getRuns([config], { store, jobs: 1, write: (l) => lines.push(l) });
    assert.deepEqual(
      lines.filter((l) => !l.startsWith(TRANSIENT_START)),
      [lines.find((l) => l.startsWith("[runs]"))],
    );
    assert.match(lines.find((l) => l.startsWith("[runs]"))!, /1 from the store, 0 trained/);
    assert.equal(transient("x"), `${TRANSIENT_START}x${TRANSIENT_END}`);
  });
});
