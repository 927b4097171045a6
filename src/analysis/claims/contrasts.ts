/**
 * The building blocks of the claim checks of notebooks 02 and 05–08: a set of directional
 * contrasts with Holm-adjusted p-values and one outcome for the set, and correlations over
 * per-setting means (n = settings, not runs: the seeds of one setting are not independent
 * settings). Every function takes plain numbers, so a verdict can be unit-tested on
 * synthetic rows where the claim holds and where it does not.
 */
import {
  type CorrelationTest,
  type DifferenceTest,
  type GroupSummary,
  confidenceInterval,
  correlationTest,
  holm,
  welchTest,
} from "../stats";
import type { VerdictOutcome } from "../verdict";

/** The direction a claim expects: "higher" = the first sample above the second (or r > 0). */
export type Direction = "higher" | "lower";

/** Significance level of every verdict (two-sided, after Holm's adjustment where several contrasts share a claim). */
export const ALPHA = 0.05;

/** holds: the expected direction and significant; does not hold: the opposite direction and significant; else inconclusive. */
export function directionalOutcome(estimate: number, p: number, direction: Direction, alpha = ALPHA): VerdictOutcome {
  if (!Number.isFinite(estimate) || !Number.isFinite(p) || p >= alpha) return "inconclusive";
  const expected = direction === "higher" ? estimate > 0 : estimate < 0;
  return expected ? "holds" : "does not hold";
}

/**
 * One outcome for a claim made of several contrasts ("in every setting"): holds when every
 * contrast holds, does not hold when any contrast significantly goes the other way, partly
 * holds when some hold and none go against, inconclusive when none is significant.
 */
export function combineOutcomes(outcomes: readonly VerdictOutcome[]): VerdictOutcome {
  if (outcomes.length === 0) return "inconclusive";
  if (outcomes.some((o) => o === "does not hold")) return "does not hold";
  if (outcomes.every((o) => o === "holds")) return "holds";
  if (outcomes.some((o) => o === "holds" || o === "partly holds")) return "partly holds";
  return "inconclusive";
}

/** Two samples to compare, e.g. soft iEP vs EP at one width (one value per seed each). */
export interface ContrastInput {
  /** Short name used in the evidence and the numbers, e.g. "p=0.9" or "width 0.5". */
  name: string;
  a: readonly number[];
  b: readonly number[];
}

export interface ContrastResult extends DifferenceTest {
  name: string;
  /** Holm-adjusted p over the contrasts of the claim. */
  pHolm: number;
  outcome: VerdictOutcome;
}

/** Welch's t of a − b for each contrast, Holm-adjusted over the set, each with its directional outcome. */
export function testContrasts(contrasts: readonly ContrastInput[], direction: Direction, alpha = ALPHA): ContrastResult[] {
  const tests = contrasts.map((c) => welchTest(c.a, c.b));
  const adjusted = holm(tests.map((t) => t.p));
  return tests.map((t, i) => ({
    ...t,
    name: contrasts[i]!.name,
    pHolm: adjusted[i]!,
    outcome: directionalOutcome(t.diff, adjusted[i]!, direction, alpha),
  }));
}

/** "+0.031 [0.012, 0.050], Holm p = 0.004": a contrast for an evidence sentence. */
export function fmtContrast(c: Pick<ContrastResult, "diff" | "lo" | "hi" | "pHolm">, digits = 3): string {
  const sign = (v: number) => (v >= 0 ? "+" : "") + v.toFixed(digits);
  const ci = Number.isFinite(c.lo) ? ` [${c.lo.toFixed(digits)}, ${c.hi.toFixed(digits)}]` : "";
  return `${sign(c.diff)}${ci}, Holm ${fmtPValue(c.pHolm)}`;
}

/** "p = 0.062", "p < 0.001" or "p n/a". */
export function fmtPValue(p: number): string {
  if (!Number.isFinite(p)) return "p n/a";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

/** The numbers of a set of contrasts under `<name>.diff`, `<name>.lo`, `<name>.hi`, `<name>.pHolm`. */
export function contrastNumbers(results: readonly ContrastResult[], prefix = ""): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = prefix ? `${prefix} ${r.name}` : r.name;
    out[`${k}.diff`] = r.diff;
    out[`${k}.lo`] = r.lo;
    out[`${k}.hi`] = r.hi;
    out[`${k}.pHolm`] = r.pHolm;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Per-setting means.

/** One run of a sweep: the setting it belongs to (e.g. "learning rate: 0.4") and two measured values. */
export interface SettingRun {
  setting: string;
  x: number;
  y: number;
}

/** Mean and 95 % interval over the seeds of one setting, for both quantities. */
export interface SettingMean {
  setting: string;
  n: number;
  x: GroupSummary;
  y: GroupSummary;
}

function summary(xs: readonly number[]): GroupSummary {
  const ci = confidenceInterval(xs);
  return { mean: ci.mean, std: ci.std, lo: ci.lo, hi: ci.hi, n: ci.n };
}

/** Groups runs by setting (first-appearance order) and summarises x and y over each setting's runs (its seeds). */
export function settingMeans(runs: readonly SettingRun[]): SettingMean[] {
  const groups = new Map<string, SettingRun[]>();
  for (const r of runs) {
    if (!Number.isFinite(r.x) || !Number.isFinite(r.y)) continue;
    let g = groups.get(r.setting);
    if (!g) groups.set(r.setting, (g = []));
    g.push(r);
  }
  return [...groups].map(([setting, rs]) => ({
    setting,
    n: rs.length,
    x: summary(rs.map((r) => r.x)),
    y: summary(rs.map((r) => r.y)),
  }));
}

/** Pearson's r of the per-setting means of x and y: n = number of settings. */
export function correlationOverSettings(runs: readonly SettingRun[]): CorrelationTest & { settings: SettingMean[] } {
  const means = settingMeans(runs);
  return {
    ...correlationTest(
      means.map((m) => m.x.mean),
      means.map((m) => m.y.mean),
    ),
    settings: means,
  };
}
