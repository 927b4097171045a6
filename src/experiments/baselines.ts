/**
 * The runs an iEP result should be compared against, derived from the iEP config so that
 * only the thing under study differs (model, data, seed, optimiser, inits, IteRand stay):
 *
 * - oneShotBaseline: plain EP at the final kept fraction for one cycle's epochs (the
 *   comparison of the iEP paper);
 * - computeMatchedBaseline: EP at the final kept fraction for as many epochs as the whole
 *   iEP run (iEP trains K times longer, so the one-shot comparison favours it);
 * - equalStepsBaseline: EP at cycle c's kept fraction, trained for as many epochs as the iEP
 *   run has trained by the end of cycle c (the control for a DR compared within a cycle:
 *   a cycle-c iEP DR against one-epoch EP compares c times the training with one);
 * - weightsBaseline: the dense network trained on its weights for as many epochs.
 *
 * Each returns a validated RunConfig; `runExperiment` stores and deduplicates them like
 * any other run. They sit on the experiments floor because they derive and validate whole
 * run configs (the iEP floor below knows only its own settings).
 */
import { type RunConfig, type RunConfigInput, runConfigSchema, totalEpochs } from "../config";
import { SltError } from "../errors";
import { planCycles } from "../iep/schedule";
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

/**
 * EP at the kept fraction of the iEP run's cycle `cycle` (1-based), trained for the epochs
 * (and so the optimiser steps) the iEP run has trained by the end of that cycle: cycles 1..c
 * together. As in computeMatchedBaseline the LR schedule spans that training once, step
 * milestones (given per cycle) stretched by c. Everything else stays, so under a scaled-*
 * weight init the control is initialised at its own kept fraction, as EP at that rate is.
 */
export function equalStepsBaseline(iepConfig: RunConfigInput | RunConfig, cycle: number): RunConfig {
  const c = requireIep(iepConfig, "equalStepsBaseline");
  const plan = planCycles(c);
  if (!(Number.isInteger(cycle) && cycle >= 1 && cycle <= plan.length)) {
    throw new SltError(
      "config",
      `equalStepsBaseline: cycle ${cycle} is not a cycle of this iEP run, which has ${plan.length}. Pass a whole number from 1 to ${plan.length}.`,
      "iep.cycles",
    );
  }
  const upTo = plan.slice(0, cycle);
  return parseRunConfig({
    ...c,
    method: "ep",
    keepFraction: upTo[cycle - 1].keepFraction,
    epochs: upTo.reduce((s, p) => s + p.epochs, 0),
    stepMilestones: c.stepMilestones.map((m) => m * cycle),
    label: withLabel(c.label, `equal-steps EP control (cycle ${cycle})`),
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
