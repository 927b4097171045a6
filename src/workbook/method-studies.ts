/**
 * The runs of notebooks 05 (rewinding variants), 06 (probe: your own variant against EP),
 * 07 (accuracy vs kept parameters over a width sweep) and the interventions of 08, built
 * from the MLP preset and from notebook 04's study so that shared runs are trained once:
 * 05's lr-rewinding iEP, EP and compute-matched EP are 04's runs, 07's preset width is 04's
 * runs at its prune rate, 08's soft iEP and compute-matched EP too, and 06's EP runs are 01's.
 */
import type { RunConfig, RunConfigInput } from "../experiments/config";
import { rewindStrategies } from "../iep/rewind";
import { type Preset, type Scale, atScale, currentScale, mlpPreset } from "./presets";
import { type AccuracyMethod, accuracyStudy, dyingRatioStudy } from "./studies";

type Config = RunConfigInput | RunConfig;

// ---------------------------------------------------------------------------
// 05 · rewinding variants.

/** Every rewinding variant of the registry: a new variant joins notebook 05's figure. */
export const REWINDS: readonly string[] = Object.keys(rewindStrategies);

export interface RewindingRun {
  /** "iEP rewind lr" … or "EP" / "compute-matched EP". */
  variant: string;
  pruneRate: number;
  seed: number;
  config: Config;
}

export interface RewindingStudy {
  scale: Scale;
  preset: Preset;
  pruneRates: number[];
  iep: Preset["iep"];
  variants: string[];
  runs: RewindingRun[];
  configs: Config[];
}

/**
 * Soft iEP with each rewinding rule at every prune rate of notebook 04, beside 04's one-shot
 * and compute-matched EP. Fine-tuning trains every cycle after the first at `iep.finetuneLr`
 * (default lr / 10).
 */
export function rewindingStudy(options: { scale?: Scale } = {}): RewindingStudy {
  const acc = accuracyStudy(options);
  const runs: RewindingRun[] = [];
  for (const r of acc.runs) {
    if (r.method === "soft iEP") {
      const c = r.config as RunConfigInput;
      for (const rewind of REWINDS) {
        runs.push({ variant: `iEP rewind ${rewind}`, pruneRate: r.pruneRate, seed: r.seed, config: { ...c, iep: { ...c.iep, rewind } } });
      }
    } else if (r.method === "EP" || r.method === "compute-matched EP") {
      runs.push({ variant: r.method, pruneRate: r.pruneRate, seed: r.seed, config: r.config });
    }
  }
  const variants = [...REWINDS.map((r) => `iEP rewind ${r}`), "EP", "compute-matched EP"];
  return {
    scale: acc.scale,
    preset: acc.preset,
    pruneRates: acc.pruneRates,
    iep: acc.iep,
    variants,
    runs,
    configs: runs.map((r) => r.config),
  };
}

// ---------------------------------------------------------------------------
// 07 · accuracy vs kept parameters over a width sweep.

export const WIDTH_METHODS = [
  "weights (dense)",
  "EP",
  "compute-matched EP",
  "hard iEP",
  "soft iEP",
] as const satisfies readonly AccuracyMethod[];
export type WidthMethod = (typeof WIDTH_METHODS)[number];

export interface WidthRun {
  method: WidthMethod;
  widthMultiplier: number;
  seed: number;
  config: Config;
}

export interface WidthStudy {
  scale: Scale;
  preset: Preset;
  pruneRate: number;
  widths: number[];
  iep: Preset["iep"];
  runs: WidthRun[];
  configs: Config[];
}

/** Notebook 04's methods at one prune rate, for each width multiplier of the model (the preset's width is one of them). */
export function widthStudy(options: { scale?: Scale } = {}): WidthStudy {
  const scale = options.scale ?? currentScale();
  const preset = mlpPreset(scale);
  const pruneRate = 0.9;
  const widths = atScale({ quick: [0.25, 0.5], standard: [0.25, 0.5, 1], full: [0.25, 0.5, 1, 2] }, scale);
  let iep = preset.iep;
  const runs = widths.flatMap((w) => {
    const acc = accuracyStudy({ scale, overrides: { widthMultiplier: w } });
    iep = acc.iep;
    return acc.runs
      .filter((r) => r.pruneRate === pruneRate && (WIDTH_METHODS as readonly string[]).includes(r.method))
      .map((r): WidthRun => ({ method: r.method as WidthMethod, widthMultiplier: w, seed: r.seed, config: r.config }));
  });
  return { scale, preset, pruneRate, widths, iep, runs, configs: runs.map((r) => r.config) };
}

// ---------------------------------------------------------------------------
// 08 · interventions that should lower the early DR.

export interface InterventionRun {
  /** "compute-matched EP" (the reference), "soft iEP", "IteRand", … */
  variant: string;
  seed: number;
  config: Config;
}

export interface InterventionStudy {
  scale: Scale;
  preset: Preset;
  pruneRate: number;
  baseline: string;
  interventions: string[];
  runs: InterventionRun[];
  configs: Config[];
}

/**
 * Period (optimiser steps between two rounds) and rate of the re-drawing plug-ins (IteRand, sign
 * flips) at each scale: a few rounds per epoch at quick (about 30 steps an epoch), a few per
 * epoch at standard (469 steps an epoch at batch 128), the published default at full.
 */
function pluginSchedule(scale: Scale): { period: number; rate: number } {
  return { period: atScale({ quick: 16, standard: 100, full: 300 }, scale), rate: 0.1 };
}

/** IteRand's settings at each scale. */
export function iterandSettings(scale: Scale): { period: number; rate: number } {
  return pluginSchedule(scale);
}

/** The sign-flip (PaB-like) plug-in's settings at each scale, as IteRand's. */
export function signFlipSettings(scale: Scale): { period: number; rate: number } {
  return pluginSchedule(scale);
}

/**
 * At p = 0.9: EP for as many epochs as iEP (the reference), soft iEP, and IteRand on that EP
 * run (04's runs for the first two).
 */
export function interventionStudy(options: { scale?: Scale } = {}): InterventionStudy {
  const acc = accuracyStudy(options);
  const pruneRate = 0.9;
  const at = acc.runs.filter((r) => r.pruneRate === pruneRate);
  const runs: InterventionRun[] = [];
  for (const r of at) {
    if (r.method === "compute-matched EP") {
      runs.push({ variant: "compute-matched EP", seed: r.seed, config: r.config });
      runs.push({ variant: "IteRand", seed: r.seed, config: { ...r.config, iterand: iterandSettings(acc.scale) } });
    } else if (r.method === "soft iEP") {
      runs.push({ variant: "soft iEP", seed: r.seed, config: r.config });
    }
  }
  return {
    scale: acc.scale,
    preset: acc.preset,
    pruneRate,
    baseline: "compute-matched EP",
    interventions: ["soft iEP", "IteRand"],
    runs,
    configs: runs.map((r) => r.config),
  };
}

// ---------------------------------------------------------------------------
// 06 · probe: a variant of EP against EP.

export interface ProbeVariant {
  name: string;
  /** Config fields that differ from EP. */
  overrides: RunConfigInput;
}

/** The variants the probe notebook ships with: the DR-related plug-ins of deck slide 19, IteRand and sign flips (PaB-like). */
export function defaultProbeVariants(scale: Scale = currentScale()): ProbeVariant[] {
  return [
    { name: "IteRand", overrides: { iterand: iterandSettings(scale) } },
    { name: "sign flips", overrides: { signFlip: signFlipSettings(scale) } },
  ];
}

export interface ProbeRun {
  /** "EP", a variant's name, or "EP (all prune rates)" for notebook 01's curve. */
  variant: string;
  pruneRate: number;
  seed: number;
  config: RunConfigInput;
}

export interface ProbeStudy {
  scale: Scale;
  preset: Preset;
  pruneRate: number;
  epochs: number;
  variants: ProbeVariant[];
  /** EP and the variants at `pruneRate`. */
  compared: ProbeRun[];
  /** Notebook 01's EP runs at every prune rate (context). */
  context: ProbeRun[];
  configs: RunConfigInput[];
}

/** EP and each variant at one prune rate of notebook 01 for 01's epochs, plus 01's runs for context. */
export function probeStudy(options: { scale?: Scale; variants?: ProbeVariant[]; pruneRate?: number } = {}): ProbeStudy {
  const dr = dyingRatioStudy(options);
  const pruneRate = options.pruneRate ?? 0.5;
  const variants = options.variants ?? defaultProbeVariants(dr.scale);
  const ep = dr.runs.filter((r) => r.pruneRate === pruneRate);
  if (ep.length === 0)
    throw new Error(`the probe's prune rate must be one of notebook 01's (${dr.pruneRates.join(", ")}), got ${pruneRate}`);
  const compared: ProbeRun[] = [
    ...ep.map((r) => ({ variant: "EP", pruneRate, seed: r.seed, config: r.config })),
    ...variants.flatMap((v) => ep.map((r) => ({ variant: v.name, pruneRate, seed: r.seed, config: { ...r.config, ...v.overrides } }))),
  ];
  const context = dr.runs.map((r) => ({ variant: "EP (all prune rates)", pruneRate: r.pruneRate, seed: r.seed, config: r.config }));
  return {
    scale: dr.scale,
    preset: dr.preset,
    pruneRate,
    epochs: dr.epochs,
    variants,
    compared,
    context,
    configs: [...compared, ...context].map((r) => r.config),
  };
}
