/**
 * The runs of notebook 10: deck claims no figure of 01–08 tests. Each part is built from the
 * study whose runs it extends, so runs that coincide are trained once and shared:
 *
 *  - batch order (deck pages 11, 13): notebook 01's EP runs, and the same configs with only
 *    `dataOrderSeed` changed (same weights, scores and seed; another epoch order);
 *  - a second data set (pages 17, 18): notebook 04's soft iEP and compute-matched EP at the
 *    high prune rates on Fashion-MNIST, beside 04's own MNIST runs;
 *  - dense weights at a similar parameter count (the abstract): notebook 07's soft iEP and EP
 *    runs at each width, against the dense network trained on its weights at the width whose
 *    parameter count is the smallest at or above the iEP run's kept parameters;
 *  - IteRand in its own paper's setting (pages 6, 19): 08's IteRand and compute-matched EP at
 *    p = 0.9 under signed-constant weights, and the same under kaiming-normal weights, where a
 *    re-draw gives a new magnitude and not only a sign.
 *
 * Standard scale: the runs this notebook adds to those of 01, 04, 07 and 08 (8 seeds) are
 * batch order (EP, 2 epochs), Fashion-MNIST, IteRand and the dense-weights comparison (soft iEP
 * at the wider widths and dense networks 1/9 to 1/40 of the full width). Their count and epochs
 * follow from the configs (`furtherClaimsStudy({ scale }).configs`); an epoch's cost is on the
 * page's `[runs]` line (measured median seconds per epoch), or time
 * `./slt run --epochs 1 --batch-size 128 --threads 1`. Quick scale (CI) keeps one prune rate
 * per part.
 */
import type { RunConfig, RunConfigInput } from "../experiments/config";
import { parseRunConfig } from "../experiments/validate";
import { weightsBaseline } from "../experiments/baselines";
import { getDataset } from "../data/registry";
import { getModel } from "../models/registry";
import { keptCount } from "../supermask/mask";
import { SltError } from "../errors";
import { type Preset, type Scale, atScale, currentScale, mlpPreset } from "./presets";
import { type AccuracyMethod, accuracyStudy, dyingRatioStudy } from "./studies";
import { iterandSettings, widthStudy } from "./method-studies";

type Config = RunConfigInput | RunConfig;

/** The seeds of notebook 10 at a scale: the preset's high-prune seeds (≥ 8 at standard), as its contrasts lie at p ≥ 0.9. */
export function furtherClaimsSeeds(scale: Scale): number[] {
  return mlpPreset(scale).highPruneSeeds;
}

/** The preset with notebook 10's seeds: same configs as 01/04/07/08 for the seeds they share. */
function presetWithSeeds(scale: Scale): Preset {
  const preset = mlpPreset(scale);
  return { ...preset, seeds: furtherClaimsSeeds(scale) };
}

// ---------------------------------------------------------------------------
// Batch order (deck pages 11 and 13).

/** `dataOrderSeed` of a seed's second data order: far from every seed in use, so it draws an unrelated order. */
export function otherDataOrder(seed: number): number {
  return 10_000 + seed;
}

export interface BatchOrderRun {
  pruneRate: number;
  seed: number;
  /** "seed's own" (dataOrderSeed = seed: notebook 01's run) or "other order" (dataOrderSeed = otherDataOrder(seed)). */
  order: "seed's own" | "other order";
  config: Config;
}

export interface BatchOrderStudy {
  pruneRates: number[];
  epochs: number;
  runs: BatchOrderRun[];
}

/** Notebook 01's EP runs at two prune rates, each beside the same run with only the data order changed. */
export function batchOrderStudy(scale: Scale): BatchOrderStudy {
  const dr = dyingRatioStudy({ scale, preset: presetWithSeeds(scale) });
  const pruneRates = atScale({ quick: [0.9], standard: [0.5, 0.9], full: [0.5, 0.9] }, scale);
  const runs = dr.runs
    .filter((r) => pruneRates.some((p) => Math.abs(p - r.pruneRate) < 1e-9))
    .flatMap((r): BatchOrderRun[] => [
      { pruneRate: r.pruneRate, seed: r.seed, order: "seed's own", config: r.config },
      { pruneRate: r.pruneRate, seed: r.seed, order: "other order", config: { ...r.config, dataOrderSeed: otherDataOrder(r.seed) } },
    ]);
  return { pruneRates, epochs: dr.epochs, runs };
}

// ---------------------------------------------------------------------------
// A second data set (deck pages 17 and 18).

/** The methods of 04's headline contrast. */
export const SECOND_DATASET_METHODS = ["soft iEP", "compute-matched EP"] as const satisfies readonly AccuracyMethod[];

export interface DatasetRun {
  dataset: string;
  method: (typeof SECOND_DATASET_METHODS)[number];
  pruneRate: number;
  seed: number;
  config: Config;
}

export interface SecondDatasetStudy {
  datasets: string[];
  pruneRates: number[];
  runs: DatasetRun[];
}

/** 04's soft iEP and compute-matched EP at p ≥ 0.9: on MNIST 04's runs themselves, on Fashion-MNIST the same configs with notebook 10's seeds. */
export function secondDatasetStudy(scale: Scale): SecondDatasetStudy {
  const pruneRates = atScale({ quick: [0.95], standard: [0.9, 0.95], full: [0.9, 0.95] }, scale);
  const pick = (dataset: string, runs: ReturnType<typeof accuracyStudy>["runs"]): DatasetRun[] =>
    runs
      .filter((r) => (SECOND_DATASET_METHODS as readonly string[]).includes(r.method))
      .filter((r) => pruneRates.some((p) => Math.abs(p - r.pruneRate) < 1e-9))
      .map((r) => ({ dataset, method: r.method as DatasetRun["method"], pruneRate: r.pruneRate, seed: r.seed, config: r.config }));
  const mnist = pick("mnist", accuracyStudy({ scale }).runs);
  const fashion = pick(
    "fashion-mnist",
    accuracyStudy({ scale, preset: presetWithSeeds(scale), overrides: { dataset: "fashion-mnist" } }).runs,
  );
  return { datasets: ["mnist", "fashion-mnist"], pruneRates, runs: [...mnist, ...fashion] };
}

// ---------------------------------------------------------------------------
// Dense weights at a similar parameter count (the deck's abstract).

/**
 * Prunable edges of an MLP (every layer dense, widths = the model's hidden widths × the
 * multiplier) on a data set, all of them (`keepFraction` 1) or the kept ones per layer
 * (round(keep · n), as the masks keep them). Only for models whose layers are one dense chain.
 */
export function mlpEdges(model: string, dataset: string, widthMultiplier: number, keepFraction = 1): number {
  if (model !== "lenet300")
    throw new SltError(
      "config",
      `the dense-weights comparison counts parameters of an MLP (lenet300), not of "${model}". Use model "lenet300" in the preset of notebook 10.`,
      "model",
    );
  const data = getDataset(dataset);
  const hidden = getModel(model).hiddenWidths.map((w) => Math.round(w * widthMultiplier));
  const sizes = [data.inputShape.reduce((a, b) => a * b, 1), ...hidden, data.numClasses];
  let edges = 0;
  for (let i = 0; i + 1 < sizes.length; i++) {
    const n = sizes[i]! * sizes[i + 1]!;
    edges += keepFraction === 1 ? n : keptCount(keepFraction, n);
  }
  return edges;
}

/** The smallest width multiplier (in steps of 0.001) whose dense MLP has at least `edges` parameters. */
export function denseWidthFor(model: string, dataset: string, edges: number): number {
  let lo = 1; // in thousandths
  let hi = 1000;
  while (mlpEdges(model, dataset, hi / 1000) < edges) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mlpEdges(model, dataset, mid / 1000) >= edges) hi = mid;
    else lo = mid + 1;
  }
  return lo / 1000;
}

export interface DenseRun {
  /** "soft iEP" or "EP" (07's runs at `widthMultiplier`), or "weights (dense)" at `denseWidth`. */
  method: "soft iEP" | "EP" | "weights (dense)";
  /** The iEP width this run is compared at. */
  widthMultiplier: number;
  /** The width the run trains (the dense run's own, narrower width). */
  trainedWidth: number;
  /** Parameters of the final network: kept edges (soft iEP, EP) or every edge (dense). */
  parameters: number;
  seed: number;
  config: Config;
}

export interface DenseStudy {
  pruneRate: number;
  widths: number[];
  runs: DenseRun[];
}

/** 07's soft iEP (with notebook 10's seeds) and EP at each width, and the dense network at the narrowest width with at least as many parameters as iEP keeps. */
export function denseAtSimilarParametersStudy(scale: Scale): DenseStudy {
  const ws = widthStudy({ scale });
  // 07's EP runs for context; soft iEP as 07 builds it at each width, with notebook 10's seeds (07's seeds are the same runs).
  const ep = ws.runs
    .filter((r) => r.method === "EP")
    .map((r) => ({ method: "EP" as const, widthMultiplier: r.widthMultiplier, seed: r.seed, config: r.config }));
  const soft = ws.widths.flatMap((w) =>
    accuracyStudy({ scale, preset: presetWithSeeds(scale), overrides: { widthMultiplier: w } })
      .runs.filter((r) => r.method === "soft iEP" && Math.abs(r.pruneRate - ws.pruneRate) < 1e-9)
      .map((r) => ({ method: "soft iEP" as const, widthMultiplier: w, seed: r.seed, config: r.config })),
  );
  const runs: DenseRun[] = [];
  for (const r of [...soft, ...ep]) {
    const c = parseRunConfig(r.config);
    const kept = mlpEdges(c.model, c.dataset, c.widthMultiplier, c.keepFraction);
    runs.push({ ...r, trainedWidth: r.widthMultiplier, parameters: kept });
    if (r.method === "soft iEP") {
      const denseWidth = denseWidthFor(c.model, c.dataset, kept);
      runs.push({
        method: "weights (dense)",
        widthMultiplier: r.widthMultiplier,
        trainedWidth: denseWidth,
        parameters: mlpEdges(c.model, c.dataset, denseWidth),
        seed: r.seed,
        config: weightsBaseline({ ...c, widthMultiplier: denseWidth }),
      });
    }
  }
  return { pruneRate: ws.pruneRate, widths: ws.widths, runs };
}

// ---------------------------------------------------------------------------
// IteRand under its own paper's weights (deck pages 6 and 19).

/** The weight inits IteRand is compared under: 06/08's and IteRand's paper's. */
export const ITERAND_WEIGHT_INITS = ["signed-constant", "kaiming-normal"] as const;

export interface IterandRun {
  weightInit: (typeof ITERAND_WEIGHT_INITS)[number];
  variant: "compute-matched EP" | "IteRand";
  seed: number;
  config: Config;
}

export interface IterandStudy {
  pruneRate: number;
  runs: IterandRun[];
}

/** 08's compute-matched EP and IteRand at p = 0.9 (signed-constant: 08's runs), and the same under kaiming-normal weights. */
export function iterandWeightInitStudy(scale: Scale): IterandStudy {
  const pruneRate = 0.9;
  const acc = accuracyStudy({ scale, preset: presetWithSeeds(scale) });
  const runs: IterandRun[] = [];
  for (const r of acc.runs) {
    if (r.method !== "compute-matched EP" || Math.abs(r.pruneRate - pruneRate) > 1e-9) continue;
    for (const weightInit of ITERAND_WEIGHT_INITS) {
      const ep: Config = weightInit === "signed-constant" ? r.config : { ...r.config, weightInit };
      runs.push({ weightInit, variant: "compute-matched EP", seed: r.seed, config: ep });
      runs.push({ weightInit, variant: "IteRand", seed: r.seed, config: { ...ep, iterand: iterandSettings(scale) } });
    }
  }
  return { pruneRate, runs };
}

// ---------------------------------------------------------------------------
// The whole notebook.

export interface FurtherClaimsStudy {
  scale: Scale;
  preset: Preset;
  seeds: number[];
  batchOrder: BatchOrderStudy;
  secondDataset: SecondDatasetStudy;
  dense: DenseStudy;
  iterand: IterandStudy;
  configs: Config[];
}

/** Every run of notebook 10 at a scale (its plan). */
export function furtherClaimsStudy(options: { scale?: Scale } = {}): FurtherClaimsStudy {
  const scale = options.scale ?? currentScale();
  const batchOrder = batchOrderStudy(scale);
  const secondDataset = secondDatasetStudy(scale);
  const dense = denseAtSimilarParametersStudy(scale);
  const iterand = iterandWeightInitStudy(scale);
  return {
    scale,
    preset: presetWithSeeds(scale),
    seeds: furtherClaimsSeeds(scale),
    batchOrder,
    secondDataset,
    dense,
    iterand,
    configs: [...batchOrder.runs, ...secondDataset.runs, ...dense.runs, ...iterand.runs].map((r) => r.config),
  };
}
