/**
 * Notebook 09 · training length as an axis (issue 17, part 3). Three parts, built from the MLP
 * preset so that runs they share with each other and with notebooks 01 and 04 are trained once:
 *
 *  (a) EP at p ∈ {0.2, 0.5, 0.9} trained for E epochs, at the workbook's score weight decay and
 *      at 5e-4 (the reference code's CIFAR setting): does the deck's "≈ 0.2 swapped in" appear
 *      with training, and how much does weight decay move it? (E = 2 at the workbook's decay
 *      and p = 0.5, 0.9 is notebook 01's run at standard scale.)
 *  (b) soft vs hard iEP, K = 3, p ∈ {0.9, 0.95}, 1 and 5 epochs per cycle, 8 paired seeds (the
 *      seed spread at p ≥ 0.9 needs them for a one-point effect), with
 *      the equal-steps EP control of the last cycle (EP at the final keep for all K cycles'
 *      epochs: the same run as compute-matched EP). At 1 epoch per cycle these are notebook 04's
 *      runs at standard scale.
 *  (c) soft iEP vs compute-matched EP vs EP + K LR restarts at p = 0.95, 1 and 5 epochs per
 *      cycle, 8 seeds (soft iEP and compute-matched EP are (b)'s runs).
 *
 * Sizing of the standard scale (all of MNIST, full-width LeNet-300-100, batch 128). Beyond the
 * runs notebooks 01–08 train anyway, `plannedTraining(lengthStudy({ scale: "standard" }).configs,
 * <01–08's configs>)` counts the runs and epochs this notebook adds (computed, not counted by
 * hand); times an epoch's cost (the page's `[runs]` line gives the measured median seconds per
 * epoch of its runs, or time `./slt run --epochs 1 --batch-size 128 --threads 1`) gives the
 * estimate. The issue's full design (`FULL_DESIGN`: 3 seeds in (a)) trains about a sixth more
 * epochs, so standard cuts (a) to 2 seeds to stay within the standard workbook's budget; `cuts`
 * says so and the notebook prints it beside the power each verdict is left with.
 */
import type { RunConfig, RunConfigInput } from "../experiments/config";
import { computeMatchedBaseline, equalStepsBaseline } from "../experiments/baselines";
import { parseRunConfig, runId, totalEpochs } from "../experiments/config";
import { type Preset, type Scale, currentScale, keepOf, mlpPreset } from "./presets";

type Config = RunConfigInput | RunConfig;

/** The reference EP code's score weight decay for CIFAR. */
export const REFERENCE_WEIGHT_DECAY = 5e-4;
/** iEP's cycles in parts (b) and (c) (the K). */
export const LENGTH_IEP_CYCLES = 3;

/** One part's design: what it varies and over how many seeds. */
export interface LengthDesign {
  /** (a) prune rates, training lengths (epochs), prune rates that also run at the reference weight decay, seeds. */
  swap: { pruneRates: number[]; epochs: number[]; referenceDecayPruneRates: number[]; seeds: number[] };
  /** (b) prune rates, epochs per cycle, seeds. */
  softHard: { pruneRates: number[]; epochsPerCycle: number[]; seeds: number[] };
  /** (c) prune rate, epochs per cycle, seeds. */
  restarts: { pruneRate: number; epochsPerCycle: number[]; seeds: number[] };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The design (every part, every seed): what `full` runs and what the smaller scales cut from. */
export const FULL_DESIGN: LengthDesign = {
  swap: { pruneRates: [0.2, 0.5, 0.9], epochs: [2, 8, 32], referenceDecayPruneRates: [0.2, 0.5, 0.9], seeds: range(3) },
  softHard: { pruneRates: [0.9, 0.95], epochsPerCycle: [1, 5], seeds: range(8) },
  restarts: { pruneRate: 0.95, epochsPerCycle: [1, 5], seeds: range(8) },
};

const DESIGNS: Record<Scale, LengthDesign> = {
  // CI: seconds per run on the quick preset (half width, 2 000 images).
  quick: {
    swap: { pruneRates: [0.2, 0.5, 0.9], epochs: [1, 2, 4], referenceDecayPruneRates: [0.5, 0.9], seeds: range(2) },
    softHard: { pruneRates: [0.9, 0.95], epochsPerCycle: [1, 2], seeds: range(2) },
    restarts: { pruneRate: 0.95, epochsPerCycle: [1, 2], seeds: range(3) },
  },
  standard: {
    swap: { pruneRates: [0.2, 0.5, 0.9], epochs: [2, 8, 32], referenceDecayPruneRates: [0.2, 0.5, 0.9], seeds: range(2) },
    softHard: { pruneRates: [0.9, 0.95], epochsPerCycle: [1, 5], seeds: range(8) },
    restarts: { pruneRate: 0.95, epochsPerCycle: [1, 5], seeds: range(8) },
  },
  full: FULL_DESIGN,
};

export type SwapMethod = "EP";
export type SoftHardMethod = "soft iEP" | "hard iEP" | "equal-steps EP";
export type RestartsMethod = "soft iEP" | "compute-matched EP" | "EP + K LR restarts";

/** (a): one EP run. */
export interface SwapRun {
  part: "a";
  pruneRate: number;
  epochs: number;
  weightDecay: number;
  seed: number;
  config: Config;
}

/** (b) and (c): one iEP run or its EP control. */
export interface CycleLengthRun<M extends string> {
  part: "b" | "c";
  method: M;
  pruneRate: number;
  epochsPerCycle: number;
  seed: number;
  config: Config;
}

export interface LengthStudy {
  scale: Scale;
  preset: Preset;
  design: LengthDesign;
  /** The workbook's score weight decay (the preset's) and the reference code's. */
  weightDecays: { workbook: number; reference: number };
  cycles: number;
  swap: SwapRun[];
  softHard: Array<CycleLengthRun<SoftHardMethod>>;
  restarts: Array<CycleLengthRun<RestartsMethod>>;
  /** Every config of the three parts (shared runs appear once per part; getRuns trains each once). */
  configs: Config[];
  /** What this scale leaves out of the design (`FULL_DESIGN`), one line each; empty at full. */
  cuts: string[];
}

function soft(base: RunConfigInput, pruneRate: number, epochsPerCycle: number, seed: number, pruning: "soft" | "hard"): RunConfigInput {
  // The same shape as notebook 04's iEP configs, so that its runs are reused where they coincide.
  return {
    ...base,
    method: "iep",
    keepFraction: keepOf(pruneRate),
    seed,
    iep: { cycles: LENGTH_IEP_CYCLES, epochsPerCycle, schedule: "geometric", pruning, rewind: "lr" },
  };
}

function list(values: readonly number[]): string {
  return `{${values.join(", ")}}`;
}

/** Lines naming what `design` leaves out of the full design. */
export function designCuts(design: LengthDesign, full: LengthDesign = FULL_DESIGN): string[] {
  const cuts: string[] = [];
  const fewer = (what: string, have: readonly number[], want: readonly number[]) => {
    if (have.length < want.length) cuts.push(`${what}: ${have.length} seeds (${list(have)}) instead of ${want.length}`);
  };
  const other = (what: string, have: readonly number[], want: readonly number[]) => {
    if (have.join() !== want.join()) cuts.push(`${what}: ${list(have)} instead of ${list(want)}`);
  };
  other("(a) prune rates", design.swap.pruneRates, full.swap.pruneRates);
  other("(a) training lengths (epochs)", design.swap.epochs, full.swap.epochs);
  other(
    `(a) prune rates at weight decay ${REFERENCE_WEIGHT_DECAY}`,
    design.swap.referenceDecayPruneRates,
    full.swap.referenceDecayPruneRates,
  );
  fewer("(a)", design.swap.seeds, full.swap.seeds);
  other("(b) prune rates", design.softHard.pruneRates, full.softHard.pruneRates);
  other("(b) epochs per cycle", design.softHard.epochsPerCycle, full.softHard.epochsPerCycle);
  fewer("(b)", design.softHard.seeds, full.softHard.seeds);
  other("(c) epochs per cycle", design.restarts.epochsPerCycle, full.restarts.epochsPerCycle);
  fewer("(c)", design.restarts.seeds, full.restarts.seeds);
  return cuts;
}

/** The runs of notebook 09 at a scale; see the file's comment for what each part asks. */
export function lengthStudy(options: { scale?: Scale; design?: LengthDesign } = {}): LengthStudy {
  const scale = options.scale ?? currentScale();
  const preset = mlpPreset(scale);
  const design = options.design ?? DESIGNS[scale];
  const base = preset.base;
  const workbookDecay = (base.weightDecay as number | undefined) ?? parseRunConfig({}).weightDecay;
  const swap: SwapRun[] = [];
  for (const weightDecay of [workbookDecay, REFERENCE_WEIGHT_DECAY]) {
    const rates = weightDecay === workbookDecay ? design.swap.pruneRates : design.swap.referenceDecayPruneRates;
    for (const pruneRate of rates)
      for (const epochs of design.swap.epochs)
        for (const seed of design.swap.seeds)
          swap.push({
            part: "a",
            pruneRate,
            epochs,
            weightDecay,
            seed,
            // Notebook 01's EP config plus the weight decay (the preset's value where it is the workbook's, so ids coincide).
            config: {
              ...base,
              ...(weightDecay === workbookDecay ? {} : { weightDecay }),
              method: "ep",
              keepFraction: keepOf(pruneRate),
              epochs,
              seed,
            },
          });
  }
  const softHard: Array<CycleLengthRun<SoftHardMethod>> = [];
  for (const pruneRate of design.softHard.pruneRates)
    for (const epochsPerCycle of design.softHard.epochsPerCycle)
      for (const seed of design.softHard.seeds) {
        const s = soft(base, pruneRate, epochsPerCycle, seed, "soft");
        const at = (method: SoftHardMethod, config: Config) => ({ part: "b" as const, method, pruneRate, epochsPerCycle, seed, config });
        softHard.push(at("soft iEP", s), at("hard iEP", soft(base, pruneRate, epochsPerCycle, seed, "hard")));
        softHard.push(at("equal-steps EP", equalStepsBaseline(s, LENGTH_IEP_CYCLES)));
      }
  const restarts: Array<CycleLengthRun<RestartsMethod>> = [];
  const { pruneRate } = design.restarts;
  for (const epochsPerCycle of design.restarts.epochsPerCycle)
    for (const seed of design.restarts.seeds) {
      const s = soft(base, pruneRate, epochsPerCycle, seed, "soft");
      const keepFraction = keepOf(pruneRate);
      const r: RunConfigInput = {
        ...s,
        iep: {
          ...(s.iep as object),
          schedule: "list",
          keepFractions: Array.from({ length: LENGTH_IEP_CYCLES }, () => keepFraction),
          pruning: "soft",
          rewind: "lr",
        },
      };
      const at = (method: RestartsMethod, config: Config) => ({ part: "c" as const, method, pruneRate, epochsPerCycle, seed, config });
      restarts.push(at("soft iEP", s), at("compute-matched EP", computeMatchedBaseline(s)), at("EP + K LR restarts", r));
    }
  return {
    scale,
    preset,
    design,
    weightDecays: { workbook: workbookDecay, reference: REFERENCE_WEIGHT_DECAY },
    cycles: LENGTH_IEP_CYCLES,
    swap,
    softHard,
    restarts,
    configs: [...swap, ...softHard, ...restarts].map((r) => r.config),
    cuts: designCuts(design),
  };
}

/**
 * Distinct runs of `configs` and the epochs they train, each shared run counted once; runs
 * whose configs are in `already` (e.g. notebooks 01–08's, trained before 09 in the workbook)
 * are left out.
 */
export function plannedTraining(configs: readonly Config[], already: readonly Config[] = []): { runs: number; epochs: number } {
  const skip = new Set(already.map((c) => runId(parseRunConfig(c))));
  const epochs = new Map<string, number>();
  for (const c of configs) {
    const parsed = parseRunConfig(c);
    const id = runId(parsed);
    if (!skip.has(id)) epochs.set(id, totalEpochs(parsed));
  }
  return { runs: epochs.size, epochs: [...epochs.values()].reduce((a, b) => a + b, 0) };
}
