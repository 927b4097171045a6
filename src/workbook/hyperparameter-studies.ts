/**
 * The hyperparameter sweep behind notebooks 02 (final DR vs accuracy) and 08 (DR after the
 * first epoch vs final accuracy): EP at one prune rate on the MLP and the conv preset, one
 * setting changed at a time from the preset's base, every setting with the preset's seeds.
 * Both notebooks build the same configs, so 08 trains nothing of its own for the sweep, and
 * the base setting of the MLP is notebook 01's EP run at p = 0.5.
 */
import type { RunConfigInput } from "../experiments/config";
import { type Preset, type Scale, atScale, convPreset, currentScale, mlpPreset } from "./presets";

/** One changed setting ("base" = the preset's own settings). */
export interface SweepSetting {
  /** The hyperparameter family, e.g. "learning rate"; "base" for the base config. */
  factor: string;
  /** The value as shown, e.g. "0.4". */
  value: string;
  overrides: RunConfigInput;
}

/** The settings at each scale: quick and standard change each family once (standard is sized to its time budget), full sweeps more values. */
export function sweepSettings(scale: Scale): SweepSetting[] {
  const common: SweepSetting[] = [
    { factor: "base", value: "base", overrides: {} },
    { factor: "learning rate", value: "0.01", overrides: { lr: 0.01 } },
    { factor: "learning rate", value: "0.4", overrides: { lr: 0.4 } },
    { factor: "batch size", value: "256", overrides: { batchSize: 256 } },
    { factor: "weight decay", value: "5e-3", overrides: { weightDecay: 5e-3 } },
    { factor: "weight init", value: "kaiming-normal", overrides: { weightInit: "kaiming-normal" } },
    { factor: "score init", value: "uniform", overrides: { scoreInit: "uniform" } },
  ];
  const more: SweepSetting[] = [
    { factor: "learning rate", value: "0.03", overrides: { lr: 0.03 } },
    { factor: "batch size", value: "16", overrides: { batchSize: 16 } },
    { factor: "weight decay", value: "0", overrides: { weightDecay: 0 } },
    { factor: "weight decay", value: "5e-4", overrides: { weightDecay: 5e-4 } },
    { factor: "weight init", value: "kaiming-uniform", overrides: { weightInit: "kaiming-uniform" } },
    { factor: "weight init", value: "scaled-signed-constant", overrides: { weightInit: "scaled-signed-constant" } },
    { factor: "score init", value: "normal", overrides: { scoreInit: "normal" } },
    { factor: "score init", value: "kaiming-normal", overrides: { scoreInit: "kaiming-normal" } },
  ];
  return atScale({ quick: common, standard: common, full: [...common, ...more] }, scale);
}

export interface SweepRun {
  /** "MLP" or "conv". */
  modelName: string;
  factor: string;
  value: string;
  /** "learning rate: 0.4" (unique within a model). */
  setting: string;
  seed: number;
  config: RunConfigInput;
}

export interface HyperparameterSweep {
  scale: Scale;
  presets: Readonly<Record<string, Preset>>;
  /** Kept fraction of every run. */
  keepFraction: number;
  settings: SweepSetting[];
  runs: SweepRun[];
  configs: RunConfigInput[];
}

/** The sweep: for each model preset, each setting and seed, EP at keep 0.5 for the preset's EP epochs. */
export function hyperparameterSweep(options: { scale?: Scale } = {}): HyperparameterSweep {
  const scale = options.scale ?? currentScale();
  const presets: Record<string, Preset> = { MLP: mlpPreset(scale), conv: convPreset(scale) };
  const keepFraction = 0.5;
  const settings = sweepSettings(scale);
  const runs = Object.entries(presets).flatMap(([modelName, preset]) =>
    settings.flatMap((s) =>
      preset.seeds.map(
        (seed): SweepRun => ({
          modelName,
          factor: s.factor,
          value: s.value,
          setting: s.factor === "base" ? "base" : `${s.factor}: ${s.value}`,
          seed,
          config: { ...preset.base, method: "ep", keepFraction, epochs: preset.epEpochs, seed, ...s.overrides },
        }),
      ),
    ),
  );
  return { scale, presets, keepFraction, settings, runs, configs: runs.map((r) => r.config) };
}
