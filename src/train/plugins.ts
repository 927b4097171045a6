/**
 * Training plug-ins named by the run config (IteRand, …). A plug-in hooks into the step
 * loop through TrainingPlugin.afterStep; adding one is one file and one line here.
 */
import type { RunConfig } from "../experiments/config";
import { iterandPlugin } from "../supermask/iterand";
import type { TrainingPlugin } from "./trainer";

export type PluginFactory = (config: RunConfig) => TrainingPlugin | null;

export const pluginFactories: PluginFactory[] = [iterandPlugin];

export function pluginsFor(config: RunConfig): TrainingPlugin[] {
  return pluginFactories.map((f) => f(config)).filter((p): p is TrainingPlugin => p !== null);
}
