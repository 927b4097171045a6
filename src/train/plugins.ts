/**
 * The training plug-in registry (IteRand, sign flips, …). A plug-in hooks into the step loop through
 * TrainingPlugin.afterStep. A new plug-in is one file exporting a PluginSpec plus one line
 * in `plugins` below, and — because every setting's schema lives on the ground floor — its
 * settings section (one schema line) in `pluginsSection` of src/config/schema.ts.
 */
import type { MaskingSettings, Method, PluginSettings } from "../config";
import { iterandPluginSpec } from "./iterand-plugin";
import { signFlipPluginSpec } from "./signflip-plugin";
import type { TrainingPlugin } from "./trainer";

/** What every plug-in may know about the run besides its own settings. */
export type PluginRun = { method: Method } & Pick<MaskingSettings, "globalTopK">;

export interface PluginSpec<F extends keyof PluginSettings = keyof PluginSettings> {
  /** One line for --help and docs. */
  description: string;
  /** The config field holding this plug-in's settings (null there = off). */
  settingsField: F;
  /** The plug-in for a run, or null when it is off. */
  create(settings: PluginSettings[F], run: PluginRun): TrainingPlugin | null;
}

export const plugins: Readonly<Record<string, PluginSpec>> = {
  iterand: iterandPluginSpec,
  signFlip: signFlipPluginSpec,
};

/** The plug-ins a run's settings switch on, in registry order. */
export function pluginsFor(config: PluginSettings & PluginRun): TrainingPlugin[] {
  return Object.values(plugins)
    .map((p) => p.create(config[p.settingsField], config))
    .filter((p): p is TrainingPlugin => p !== null);
}
