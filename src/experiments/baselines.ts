/**
 * The runs an iEP result should be compared against, derived from the iEP config so that
 * only the thing under study differs (model, data, seed, optimiser, inits, IteRand stay):
 *
 * - oneShotBaseline: plain EP at the final kept fraction for one cycle's epochs (the
 *   comparison of the iEP paper);
 * - computeMatchedBaseline: EP at the final kept fraction for as many epochs as the whole
 *   iEP run (iEP trains K times longer, so the one-shot comparison favours it);
 * - weightsBaseline: the dense network trained on its weights for as many epochs.
 *
 * Each returns a validated RunConfig; `runExperiment` stores and deduplicates them like
 * any other run. They sit on the experiments floor because they derive and validate whole
 * run configs (the iEP floor below knows only its own settings).
 */
import { type RunConfig, type RunConfigInput, runConfigSchema, totalEpochs } from "../config";
import { SltError } from "../errors";
import type { WeightInitName } from "../supermask/init";
import { parseRunConfig } from "./validate";

function requireIep(config: RunConfigInput | RunConfig, what: string): RunConfig {
  const c = parseRunConfig(config);
  if (c.method !== "iep") {
    throw new SltError(
      "config",
      `${what} is derived from an iterative EP config, but "method" = "${c.method}". Pass the iEP run's config (method = "iep").`,
      "method",
    );
  }
  return c;
}

function withLabel(label: string, suffix: string): string {
  return label ? `${label} · ${suffix}` : suffix;
}

/** EP at the iEP run's final kept fraction, trained for one cycle's epochs (`iep.epochsPerCycle`). */
export function oneShotBaseline(iepConfig: RunConfigInput | RunConfig): RunConfig {
  const c = requireIep(iepConfig, "oneShotBaseline");
  return parseRunConfig({ ...c, method: "ep", epochs: c.iep.epochsPerCycle, label: withLabel(c.label, "one-shot EP baseline") });
}

/**
 * EP at the iEP run's final kept fraction, trained for `iep.cycles × iep.epochsPerCycle`
 * epochs: the same number of optimiser steps as the iEP run. The LR schedule spans the
 * whole training once; step milestones (given per cycle) are stretched by the same factor
 * so the schedule keeps its shape.
 */
export function computeMatchedBaseline(iepConfig: RunConfigInput | RunConfig): RunConfig {
  const c = requireIep(iepConfig, "computeMatchedBaseline");
  const factor = c.iep.cycles;
  return parseRunConfig({
    ...c,
    method: "ep",
    epochs: totalEpochs(c),
    stepMilestones: c.stepMilestones.map((m) => m * factor),
    label: withLabel(c.label, "compute-matched EP baseline"),
  });
}

export interface WeightsBaselineOptions {
  /**
   * Init of the trained weights. Default "kaiming-normal": the standard init for weight
   * training (a supermask init such as signed-constant is not what a dense baseline uses).
   */
  weightInit?: WeightInitName;
}

/**
 * The dense network trained on its weights, same model, data, seed and optimiser settings,
 * for as many epochs as `config` trains in total. Mask-only fields are set to their
 * neutral values (keepFraction 1, default scoreInit, no IteRand or sign flips, no global top-k, no
 * dense first/last layer) so that every EP/iEP config of one model shares a single weights run.
 */
export function weightsBaseline(config: RunConfigInput | RunConfig, options: WeightsBaselineOptions = {}): RunConfig {
  const c = parseRunConfig(config);
  return parseRunConfig({
    ...c,
    method: "weights",
    epochs: totalEpochs(c),
    stepMilestones: c.method === "iep" ? c.stepMilestones.map((m) => m * c.iep.cycles) : c.stepMilestones,
    keepFraction: 1,
    globalTopK: false,
    firstLayerDense: false,
    lastLayerDense: false,
    iterand: null,
    signFlip: null,
    scoreInit: runConfigSchema.shape.scoreInit.parse(undefined),
    weightInit: options.weightInit ?? "kaiming-normal",
    label: withLabel(c.label, "weights baseline"),
  });
}
