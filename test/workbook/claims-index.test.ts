/**
 * The index's opening: the forest plot of every claim against its SESOI (from the verdicts'
 * contrasts, coloured by outcome), the summary generated from the verdicts, and each verdict's
 * numbers as a sentence. Built from real verdict functions on synthetic samples.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boundVerdict, differenceVerdict, flatLevelVerdict, notTestedVerdict, type Verdict } from "../../src/analysis/verdict";
import type { ScatterTrace } from "../../src/plot/plotly";
import {
  claimsChart,
  claimsOverviewHtml,
  claimsSummaryHtml,
  inSesoiUnits,
  shortLabel,
  verdictSentence,
} from "../../src/workbook/claims-index";
import { claimsTableHtml, publishedClaims } from "../../src/workbook/published";

const seeds = [1, 2, 3, 4, 5];
const text = (id: string) => ({ id, slide: "16", claim: `claim ${id}`, quantity: "test accuracy, a − b" });
const sesoi = { value: 0.01, why: "one point" };
// a − b by seed: +0.05 ± small (holds), ≈ 0 ± tiny (equivalent to zero: a gain that does not hold).
const big = differenceVerdict(
  text("04.big"),
  [{ label: "p = 0.9", a: [0.95, 0.96, 0.95, 0.96, 0.955], b: [0.9, 0.91, 0.9, 0.905, 0.91], seedsA: seeds, seedsB: seeds }],
  { sesoi },
);
const none = differenceVerdict(
  text("04.none"),
  [{ label: "p = 0.5", a: [0.9, 0.901, 0.9, 0.9005, 0.9], b: [0.9, 0.9, 0.9005, 0.9, 0.9], seedsA: seeds, seedsB: seeds }],
  { sesoi, direction: "less" },
);
const flat = flatLevelVerdict(text("01.flat"), [0.3, 0.5, 0.7, 0.9, 0.3, 0.5, 0.7, 0.9], [0.2, 0.21, 0.2, 0.19, 0.2, 0.2, 0.21, 0.2], {
  target: 0.2,
  tolerance: 0.05,
});
const bound = boundVerdict(text("01.bound"), [{ label: "p = 0.5", values: [0.8, 0.82, 0.81] }], { bound: 0.5, side: "above" });
const untested = notTestedVerdict(
  { id: "03.built", slide: "12", claim: "claim 03.built" },
  "decided by how the runs are built",
  "equal steps",
  {
    "largest share a cycle prunes": 0.2,
  },
);

describe("claims chart", () => {
  it("puts each contrast in SESOI units, claimed direction to the right", () => {
    assert.equal(big.outcome, "holds");
    assert.equal(none.outcome, "does not hold");
    const c = big.contrasts![0]!;
    const s = inSesoiUnits(c)!;
    assert.ok(Math.abs(s.estimate - c.estimate / 0.01) < 1e-9);
    assert.ok(s.lo > 1, "a gain beyond the SESOI lies right of the band");
    // A "less" claim is mirrored: its interval stays ordered.
    const n = inSesoiUnits(none.contrasts![0]!)!;
    assert.ok(n.lo <= n.estimate && n.estimate <= n.hi && n.lo > -1 && n.hi < 1, "equivalent to zero: inside the band");
    // The level of a flat-level claim is measured from the deck's level.
    const level = flat.contrasts!.find((x) => x.label.startsWith("level"))!;
    assert.ok(Math.abs(inSesoiUnits(level)!.estimate - (level.estimate - 0.2) / 0.05) < 1e-9);
    assert.equal(inSesoiUnits(bound.contrasts![0]!), null, "a bound names no SESOI");
    // Read back from results.json, a NaN end is null: it stays unknown, never 0.
    const stored = JSON.parse(JSON.stringify({ ...c, lo: Number.NaN, hi: Number.NaN })) as typeof c;
    const back = inSesoiUnits(stored)!;
    assert.ok(Number.isNaN(back.lo) && Number.isNaN(back.hi) && Number.isFinite(back.estimate));
  });

  it("draws every tested contrast coloured by its outcome, not-tested claims as a note, and lists what it cannot draw", () => {
    const claims = publishedClaims([
      {
        name: "01-x",
        scale: "quick",
        runIds: [],
        csv: [],
        html: "01-x.html",
        verdicts: [flat, bound, untested].map((v) => ({ ...v, seeds, setting: "s" })),
      },
      { name: "04-x", scale: "quick", runIds: [], csv: [], verdicts: [big, none].map((v) => ({ ...v, seeds, setting: "s" })) },
    ]);
    const chart = claimsChart(claims);
    assert.deepEqual(
      chart.rows.map((r) => [r.label, r.group]),
      [
        ["01.flat · slope", flat.contrasts![0]!.outcome],
        ["01.flat · level vs 0.2", flat.contrasts![1]!.outcome],
        ["03.built", "not tested"],
        ["04.big", "holds"],
        ["04.none", "does not hold"],
      ],
    );
    assert.deepEqual(chart.notDrawn, ["01.bound"]);
    const traces = chart.figure.data as ScatterTrace[];
    assert.ok(traces.some((t) => t.name === "holds" && t.marker?.color === "#1b5e20"));
    assert.ok(traces.some((t) => t.name === "not tested" && t.mode === "text"));

    const summary = claimsSummaryHtml(claims, chart);
    assert.match(summary, /^<p>5 claims on 2 pages: /);
    assert.equal(flat.outcome, "holds");
    assert.match(summary, /3 hold, /);
    assert.match(summary, /1 does not hold/);
    assert.match(summary, /1 is not tested as built/);
    assert.match(summary, /Hold:<\/b> .*04\.big \(claim 04\.big\)/);
    assert.match(summary, /Do not hold:<\/b> 04\.none/);
    assert.match(summary, /not drawn, as they name no smallest effect[^<]*01\.bound/);
    assert.match(summary, /<a href="01-x\.html">01\.(flat|bound)<\/a>/);

    const overview = claimsOverviewHtml(claims);
    assert.match(overview, /class="slt-plot"/);
    assert.match(overview, /Plotly\.newPlot/);
    assert.equal(claimsOverviewHtml([]), "");
  });
});

describe("chart labels", () => {
  it("cut long labels in the middle, keeping both ends", () => {
    const long = "05.rewinding-beats-compute-matched-ep · iEP rewind lr − compute-matched EP, p=0.95";
    const s = shortLabel(long, 40);
    assert.equal(s.length, 40);
    assert.ok(s.startsWith("05.rewinding-beats-") && s.endsWith("p=0.95") && s.includes("…"));
    assert.equal(shortLabel("short"), "short");
  });
});

describe("verdict sentences", () => {
  it("say each contrast's estimate, interval, what it was judged against and its outcome", () => {
    const c = big.contrasts![0]!;
    const s = verdictSentence(big);
    assert.match(
      s,
      /^p = 0\.9 is 0\.05\d* \(90 % interval 0\.0\d+ to 0\.0\d+\), claimed above 0, smallest effect of interest 0\.01: holds\.$/,
    );
    assert.ok(s.includes(String(Number(c.lo.toPrecision(2)))));
    assert.match(verdictSentence(none), /claimed below 0, smallest effect of interest 0\.01: does not hold\.$/);
    assert.match(verdictSentence(flat), /level vs 0\.2 is 0\.2\d* \(90 % interval [^)]+\), claimed within 0\.2 ± 0\.05: /);
    assert.match(verdictSentence(bound), /claimed above 0\.5: holds\.$/);
    assert.equal(verdictSentence(untested), "For the record, largest share a cycle prunes is 0.2.");
    for (const v of [big, none, flat, bound, untested] as Verdict[])
      assert.doesNotMatch(verdictSentence(v), /(SESOI|estimate|lo|hi|bound|slope) = /, "no key = value dump");
  });

  it("replace the numbers dump in the claims table", () => {
    const html = claimsTableHtml([{ name: "04-x", scale: "quick", runIds: [], csv: [], verdicts: [{ ...big, seeds, setting: "s" }] }]);
    assert.ok(html.includes("smallest effect of interest 0.01: holds."));
    assert.doesNotMatch(html, /SESOI = 0\.01/);
  });
});
