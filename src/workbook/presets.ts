/**
 * The settings the workbook's notebooks share, in one place: data, model, optimiser and
 * inits (the base config), seeds, and the EP / iEP training lengths at each scale. Notebooks
 * that build their runs from the same preset share runs in the store (e.g. 06 reuses 01's EP
 * runs, 05 reuses 04's soft iEP runs): a run's identity is its config, so a copy of the base
 * config that drifts in one notebook silently retrains everything there.
 *
 * Scales (`SLT_SCALE`, `npm run workbook -- --scale …`):
 *  - quick: CI; the whole workbook in a few minutes on 2 cores (half-width LeNet-300-100 on
 *    2 000 MNIST images, a few epochs);
 *  - standard: the published pages (docs/workbook); every figure on all of MNIST /
 *    Fashion-MNIST, LeNet-300-100 at full width and a conv net at reduced width, 3 seeds (8 at p ≥ 0.9), the
 *    epoch counts sized from measured epochs so that the whole workbook fits its time budget on
 *    2 cores (each page's `[runs]` line prints what an epoch took its runs, see `mlpPreset`);
 *  - full: paper-like lengths (hours; for bigger machines or a cluster through `--shard`).
 */
import type { RunConfigInput } from "../experiments/config";
import { type Scale, scale as scaleFromEnv } from "../plot/notebook";

export type { Scale } from "../plot/notebook";

/** One value per scale. */
export interface PerScale<T> {
  quick: T;
  standard: T;
  full: T;
}

/** The workbook's current scale ($SLT_SCALE, default quick). */
export function currentScale(env: NodeJS.ProcessEnv = process.env): Scale {
  return scaleFromEnv(env);
}

/** The value of `choices` at `scale`. */
export function atScale<T>(choices: PerScale<T>, scale: Scale): T {
  return choices[scale];
}

/** The data set, model and shared training settings of one family of notebooks. */
export interface Preset {
  scale: Scale;
  /** "lenet300×0.5 on mnist (2000 train / 1000 test images)": for config-cell text and captions. */
  description: string;
  dataset: string;
  model: string;
  widthMultiplier: number;
  seeds: number[];
  /**
   * Seeds of the runs at p ≥ HIGH_PRUNE_RATE (notebook 04's study and those built from it): the
   * seed-to-seed spread of accuracy there reaches several points, so a one-point effect needs
   * about 8 paired seeds for 80 % power (the pages print the power they had).
   */
  highPruneSeeds: number[];
  /** Config fields every run of these notebooks shares (data, model, optimiser, inits); no method, keep or epochs. */
  base: RunConfigInput;
  /** Epochs of a one-shot EP run (notebook 01's runs, reused by 06). */
  epEpochs: number;
  /** The deck's iEP: K cycles, the kept fraction falling geometrically, the LR schedule restarting each cycle. */
  iep: { cycles: number; epochsPerCycle: number; schedule: "geometric" };
}

const SEEDS: PerScale<number[]> = { quick: [1, 2, 3], standard: [1, 2, 3], full: [1, 2, 3, 4, 5] };
const HIGH_PRUNE_SEEDS: PerScale<number[]> = {
  quick: [1, 2, 3],
  standard: [1, 2, 3, 4, 5, 6, 7, 8],
  full: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
};

/** Prune rates from this one up run `Preset.highPruneSeeds`. */
export const HIGH_PRUNE_RATE = 0.9;

/** The seeds a study built from `preset` runs at `pruneRate`: the high-prune seeds where their set is larger. */
export function seedsAt(preset: Preset, pruneRate: number): number[] {
  return pruneRate >= HIGH_PRUNE_RATE - 1e-9 && preset.highPruneSeeds.length > preset.seeds.length ? preset.highPruneSeeds : preset.seeds;
}

/** "3 seeds (1, 2, 3) at p = 0.5; 8 seeds (1, …, 8) at p = 0.9, 0.95", or "3 seeds (1, 2, 3)" where every prune rate runs the same. */
export function seedsNote(preset: Preset, pruneRates: readonly number[]): string {
  const groups = new Map<string, number[]>();
  for (const p of pruneRates) {
    const key = seedsAt(preset, p).join(", ");
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const seeds = (key: string) => `${key.split(", ").length} seed${key.includes(",") ? "s" : ""} (${key})`;
  if (groups.size === 1) return seeds([...groups.keys()][0]!);
  return [...groups].map(([key, ps]) => `${seeds(key)} at p = ${ps.join(", ")}`).join("; ");
}

/** Every seed a study built from `preset` over `pruneRates` runs, sorted. */
export function allSeeds(preset: Preset, pruneRates: readonly number[]): number[] {
  return [...new Set(pruneRates.flatMap((p) => seedsAt(preset, p)))].sort((a, b) => a - b);
}

const OPTIMISER = {
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 1e-4,
  lrSchedule: "cosine",
  weightInit: "signed-constant",
  scoreInit: "kaiming-uniform",
} as const satisfies RunConfigInput;

function describe(model: string, width: number, dataset: string, limitTrain: number, limitTest: number): string {
  const images = limitTrain === 0 && limitTest === 0 ? "all images" : `${limitTrain || "all"} train / ${limitTest || "all"} test images`;
  return `${width === 1 ? model : `${model}×${width}`} on ${dataset} (${images})`;
}

/**
 * LeNet-300-100 on MNIST: notebooks 01, 03, 04, 05, 06 (and the MLP of 02, 07, 08).
 * Standard: full width on all of MNIST with batch 128 (fewer steps an epoch than batch 64, so
 * a shorter epoch on a CPU). What an epoch takes is measured, not quoted: `./slt run
 * --batch-size 128 --epochs 1` prints it, and every workbook page prints it for its own runs
 * (the `[runs]` line, `measuredEpochTimes`; `secondsPerEpoch` in its runs.csv).
 */
export function mlpPreset(scale: Scale = currentScale()): Preset {
  return buildPreset(scale, {
    dataset: "mnist",
    model: "lenet300",
    widthMultiplier: atScale({ quick: 0.5, standard: 1, full: 1 }, scale),
    limitTrain: atScale({ quick: 2000, standard: 0, full: 0 }, scale),
    limitTest: atScale({ quick: 1000, standard: 0, full: 0 }, scale),
    epEpochs: atScale({ quick: 4, standard: 2, full: 20 }, scale),
    iepCycles: atScale({ quick: 4, standard: 3, full: 5 }, scale),
  });
}

/**
 * A conv net on Fashion-MNIST at reduced width: the conv side of notebooks 02 and 08.
 * Standard: conv2 at 1/8 width on all of Fashion-MNIST for one epoch: a conv epoch costs several
 * MLP epochs on a CPU, and 02's 21 conv runs at 1/4 width for 2 epochs did not fit the
 * workbook's time budget. Measure a width with `./slt run --model conv2 --width-multiplier 0.25
 * --dataset fashion-mnist --epochs 1`; pages 02 and 08 print what an epoch took their conv runs
 * (the `[runs]` line).
 */
export function convPreset(scale: Scale = currentScale()): Preset {
  return buildPreset(scale, {
    dataset: "fashion-mnist",
    model: atScale({ quick: "conv2", standard: "conv2", full: "conv4" }, scale),
    widthMultiplier: atScale({ quick: 0.125, standard: 0.125, full: 0.5 }, scale),
    limitTrain: atScale({ quick: 1000, standard: 0, full: 0 }, scale),
    limitTest: atScale({ quick: 1000, standard: 0, full: 0 }, scale),
    epEpochs: atScale({ quick: 3, standard: 1, full: 15 }, scale),
    iepCycles: atScale({ quick: 4, standard: 4, full: 5 }, scale),
  });
}

/** What differs between the presets at one scale; the rest (seeds, optimiser, batch size, iEP epochs per cycle) they share. */
interface PresetChoices {
  dataset: string;
  model: string;
  widthMultiplier: number;
  limitTrain: number;
  limitTest: number;
  epEpochs: number;
  iepCycles: number;
}

function buildPreset(scale: Scale, c: PresetChoices): Preset {
  const { dataset, model, widthMultiplier, limitTrain, limitTest } = c;
  return {
    scale,
    description: describe(model, widthMultiplier, dataset, limitTrain, limitTest),
    dataset,
    model,
    widthMultiplier,
    seeds: atScale(SEEDS, scale),
    highPruneSeeds: atScale(HIGH_PRUNE_SEEDS, scale),
    base: {
      dataset,
      dataDir: "",
      model,
      widthMultiplier,
      limitTrain,
      limitTest,
      batchSize: atScale({ quick: 64, standard: 128, full: 64 }, scale),
      ...OPTIMISER,
    },
    epEpochs: c.epEpochs,
    iep: {
      cycles: c.iepCycles,
      epochsPerCycle: atScale({ quick: 1, standard: 1, full: 10 }, scale),
      schedule: "geometric",
    },
  };
}

/** 1 − p without binary-fraction noise: keepOf(0.7) is 0.3, not 0.30000000000000004. */
export function keepOf(pruneRate: number): number {
  return Number((1 - pruneRate).toFixed(10));
}
