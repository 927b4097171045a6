/**
 * The runs of notebooks 01, 03 and 04 at each scale, built from the shared presets. A notebook
 * calls its study function and trains `configs`; the staleness check of the published pages
 * calls the same function (through `notebookPlans`), so what a page shows and what its
 * notebook builds cannot drift apart unnoticed.
 *
 * Standard-scale sizes come from measured epochs of full-width LeNet-300-100 on all of MNIST at
 * batch 128: each notebook's config cell prints the epochs it trains, and the `[runs]` line under
 * its runs cell the seconds an epoch took those runs (`measuredEpochTimes`, from the stored
 * timings; `secondsPerEpoch` in the page's runs.csv). Epochs × that time ÷ SLT_JOBS is the
 * notebook's training time; resize a study from those printed figures, not from a number typed
 * here.
 */
import type { AccuracyMethod } from "../analysis/claims/04-accuracy";

export { ACCURACY_METHODS, type AccuracyMethod } from "../analysis/claims/04-accuracy";
import type { RunConfig, RunConfigInput } from "../experiments/config";
import { computeMatchedBaseline, equalStepsBaseline, oneShotBaseline, weightsBaseline } from "../experiments/baselines";
import { cycleKeepFractions } from "../iep/schedule";
import { type Preset, type Scale, atScale, currentScale, keepOf, mlpPreset, seedsAt } from "./presets";

export interface StudyOptions {
  /** Default: the workbook's scale ($SLT_SCALE). */
  scale?: Scale;
  /** Default: `mlpPreset(scale)`. */
  preset?: Preset;
  /** Config fields to change in every run, e.g. `{ dataset: "cifar10", dataDir: "…", model: "conv4" }`. */
  overrides?: RunConfigInput;
}

function resolve(options: StudyOptions): { scale: Scale; preset: Preset; base: RunConfigInput } {
  const scale = options.scale ?? currentScale();
  const preset = options.preset ?? mlpPreset(scale);
  return { scale, preset, base: { ...preset.base, ...options.overrides } };
}

// ---------------------------------------------------------------------------
// 01 · dying ratio per prune rate.

export interface DyingRatioRun {
  pruneRate: number;
  seed: number;
  config: RunConfigInput;
}

export interface DyingRatioStudy {
  scale: Scale;
  preset: Preset;
  pruneRates: number[];
  epochs: number;
  runs: DyingRatioRun[];
  configs: RunConfigInput[];
}

/** One EP run per prune rate and seed (notebook 01; 06 reuses them). */
export function dyingRatioStudy(options: StudyOptions = {}): DyingRatioStudy {
  const { scale, preset, base } = resolve(options);
  const pruneRates = atScale(
    { quick: [0.1, 0.3, 0.5, 0.7, 0.9], standard: [0.1, 0.3, 0.5, 0.7, 0.9], full: [0.1, 0.3, 0.5, 0.7, 0.9, 0.95] },
    scale,
  );
  const epochs = preset.epEpochs;
  const runs = pruneRates.flatMap((pruneRate) =>
    preset.seeds.map((seed) => ({
      pruneRate,
      seed,
      config: { ...base, method: "ep" as const, keepFraction: keepOf(pruneRate), epochs, seed },
    })),
  );
  return { scale, preset, pruneRates, epochs, runs, configs: runs.map((r) => r.config) };
}

// ---------------------------------------------------------------------------
// 03 · soft vs hard iEP, DR per cycle.

export interface SoftHardStudy {
  scale: Scale;
  preset: Preset;
  /** Each cycle prunes this share of the edges still kept (iep.pruneShare). */
  pruneShare: number;
  cycles: number;
  /** Kept fraction after the last cycle: (1 − pruneShare)^cycles. */
  finalKeep: number;
  /** Kept fraction of each cycle. */
  cycleKeeps: number[];
  epochsPerCycle: number;
  soft: RunConfigInput[];
  hard: RunConfigInput[];
  /** EP from scratch at each cycle's kept fraction, one cycle's epochs: `ep[c][s]` for cycle c + 1, seed s. */
  ep: RunConfigInput[][];
  /**
   * Equal-steps EP controls (`equalStepsBaseline`): EP from scratch at cycle c's kept fraction,
   * trained as many epochs as iEP has by the end of cycle c, for cycles 2…K (cycle 1's is `ep[0]`):
   * `equalSteps[c − 2][s]`. The control for the cumulative DRs, which count c cycles of training.
   */
  equalSteps: Array<RunConfigInput | RunConfig>[];
  configs: Array<RunConfigInput | RunConfig>;
}

/**
 * Soft and hard iEP with the fixed-share schedule (each cycle prunes 20 % of the edges still
 * kept, keep_c = 0.8^c, so several cycles lie below 50 % pruned), and EP trained from scratch at
 * each cycle's prune rate for one cycle's epochs.
 */
export function softHardStudy(options: StudyOptions = {}): SoftHardStudy {
  const { scale, preset, base } = resolve(options);
  const pruneShare = 0.2;
  const cycles = atScale({ quick: 7, standard: 4, full: 10 }, scale);
  const finalKeep = Number(((1 - pruneShare) ** cycles).toFixed(10));
  const epochsPerCycle = preset.iep.epochsPerCycle;
  const iepSettings = { cycles, schedule: "fixed-share" as const, pruneShare, epochsPerCycle, rewind: "lr" as const };
  const cycleKeeps = cycleKeepFractions(finalKeep, { ...iepSettings, keepFractions: [] }).map((k) => Number(k.toFixed(10)));
  const iep = (pruning: "soft" | "hard", seed: number): RunConfigInput => ({
    ...base,
    method: "iep",
    keepFraction: finalKeep,
    seed,
    iep: { ...iepSettings, pruning },
  });
  const soft = preset.seeds.map((s) => iep("soft", s));
  const hard = preset.seeds.map((s) => iep("hard", s));
  const ep = cycleKeeps.map((keepFraction) =>
    preset.seeds.map((seed): RunConfigInput => ({ ...base, method: "ep", keepFraction, epochs: epochsPerCycle, seed })),
  );
  const equalSteps = cycleKeeps.slice(1).map((_, i) => soft.map((config) => equalStepsBaseline(config, i + 2)));
  return {
    scale,
    preset,
    pruneShare,
    cycles,
    finalKeep,
    cycleKeeps,
    epochsPerCycle,
    soft,
    hard,
    ep,
    equalSteps,
    configs: [...soft, ...hard, ...ep.flat(), ...equalSteps.flat()],
  };
}

// ---------------------------------------------------------------------------
// 04 · accuracy vs prune rate.

export interface AccuracyRun {
  method: AccuracyMethod;
  pruneRate: number;
  seed: number;
  config: RunConfigInput | RunConfig;
}

export interface AccuracyStudy {
  scale: Scale;
  preset: Preset;
  pruneRates: number[];
  iep: Preset["iep"];
  runs: AccuracyRun[];
  configs: Array<RunConfigInput | RunConfig>;
}

/**
 * Per prune rate and seed (`seedsAt`: more seeds at p ≥ 0.9, where the seed spread is largest): soft and hard iEP (the deck's geometric schedule), one-shot EP (one
 * cycle's epochs, the deck's comparison), compute-matched EP (all of iEP's epochs in one
 * schedule), EP at the final keep with K LR restarts (a list schedule of K equal keeps: iEP's
 * restarts without its gradual pruning) and the dense weights (one run per seed serves every p).
 */
export function accuracyStudy(options: StudyOptions = {}): AccuracyStudy {
  const { scale, preset, base } = resolve(options);
  const pruneRates = atScale({ quick: [0.5, 0.9, 0.95], standard: [0.5, 0.9, 0.95], full: [0.5, 0.7, 0.8, 0.9, 0.95, 0.98] }, scale);
  const iep = preset.iep;
  const runs = pruneRates.flatMap((pruneRate) =>
    seedsAt(preset, pruneRate).flatMap((seed): AccuracyRun[] => {
      const keepFraction = keepOf(pruneRate);
      const soft: RunConfigInput = { ...base, method: "iep", keepFraction, seed, iep: { ...iep, pruning: "soft", rewind: "lr" } };
      const hard: RunConfigInput = { ...soft, iep: { ...iep, pruning: "hard", rewind: "lr" } };
      const restarts: RunConfigInput = {
        ...soft,
        iep: {
          ...iep,
          schedule: "list",
          keepFractions: Array.from({ length: iep.cycles }, () => keepFraction),
          pruning: "soft",
          rewind: "lr",
        },
      };
      const at = (method: AccuracyMethod, config: RunConfigInput | RunConfig) => ({ method, pruneRate, seed, config });
      return [
        at("weights (dense)", weightsBaseline(soft)),
        at("EP", oneShotBaseline(soft)),
        at("compute-matched EP", computeMatchedBaseline(soft)),
        at("EP + K LR restarts", restarts),
        at("hard iEP", hard),
        at("soft iEP", soft),
      ];
    }),
  );
  return { scale, preset, pruneRates, iep, runs, configs: runs.map((r) => r.config) };
}
