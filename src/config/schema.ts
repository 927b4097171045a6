/**
 * The run config's settings, one section per subsystem, on the ground floor: every
 * subsystem imports the type of its own section from here and nothing above it. The
 * descriptions feed `slt run --help` and are stored beside every run.
 *
 * Fields whose choices come from a registry (model, data set, inits, pruning, rewinding)
 * are plain strings here: the registries sit on higher floors, and the one validating
 * function (`src/experiments/validate.ts`) checks them against the registries.
 *
 * The stored shape is flat (each section's fields side by side) plus the `iep`, `iterand`
 * and `signFlip` objects; that shape is what a run id hashes, so it must not change.
 *
 * Naming: `keepFraction` is always the fraction of edges KEPT; the prune rate is
 * 1 − keepFraction. (The reference EP code calls both `prune_rate`.)
 */
import { z } from "zod";

const keep = z.number().gt(0).lte(1);
/** The most iEP cycles a run may have. */
export const MAX_CYCLES = 100;

/** What kind of training a run does, its seed and label (the run's own section). */
export const runSection = {
  label: z.string().default("").describe("Free text shown in listings; does not change the run's identity"),
  method: z
    .enum(["ep", "iep", "weights"])
    .default("ep")
    .describe(
      "ep: one-shot Edge-Popup; iep: iterative Edge-Popup (see iep.*); weights: ordinary weight training of the dense network (the baseline)",
    ),
  seed: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("Seed of weights, scores, data order and augmentation (the last two: dataOrderSeed when set)"),
};

/** The network: which model, how wide, and how its layers are initialised (models/). */
export const modelSection = {
  model: z.string().default("lenet300").describe("Model name from the model registry (slt info lists them)"),
  widthMultiplier: z.number().gt(0).max(16).default(1).describe("Multiplies every hidden width of the model"),
  firstLayerDense: z
    .boolean()
    .default(false)
    .describe("Train the first layer's weights normally and keep all its edges (not pruned, no DR)"),
  lastLayerDense: z.boolean().default(false).describe("Train the last layer's weights normally and keep all its edges (not pruned, no DR)"),
  weightInit: z.string().default("signed-constant").describe("Initialisation of the frozen weights (scaled-* use fan-in × keepFraction)"),
  scoreInit: z.string().default("kaiming-uniform").describe("Initialisation of the scores (kaiming-uniform with a=√5 is the EP reference)"),
};

/** The supermask: how many edges are kept and how top-k is taken (supermask/). */
export const maskingSection = {
  keepFraction: keep
    .default(0.5)
    .describe("Fraction of each layer's edges KEPT by the mask, in (0, 1] (prune rate = 1 − keepFraction); for iep, the final one"),
  globalTopK: z.boolean().default(false).describe("Take one top-k over all layers instead of one per layer"),
};

/** The data set and how it is split and augmented (data/). */
export const dataSection = {
  dataset: z.string().default("mnist").describe("Data set name from the data registry (slt info lists them)"),
  dataDir: z.string().default("").describe("Folder with the data set's files; empty = the data set's default location"),
  validationFraction: z.number().gte(0).lt(1).default(0).describe("Fraction of the training images held out for validation"),
  limitTrain: z.number().int().min(0).default(0).describe("Train on the first N training images only (0 = all); for quick runs"),
  limitTest: z.number().int().min(0).default(0).describe("Evaluate on the first N test images only (0 = all)"),
  augment: z.boolean().default(false).describe("Standard CIFAR augmentation: zero-pad 4, random crop, random horizontal flip"),
};

/** The epoch loop and batches (train/trainer). */
export const trainingSection = {
  epochs: z.number().int().min(1).default(2).describe("Training epochs (ep, weights); iep uses iep.cycles × iep.epochsPerCycle"),
  batchSize: z.number().int().min(1).default(64).describe("Images per optimiser step"),
  evalBatchSize: z.number().int().min(1).default(1000).describe("Images per forward pass when evaluating"),
  labelSmoothing: z.number().gte(0).lt(1).default(0).describe("Label smoothing of the cross-entropy"),
  dataOrderSeed: z
    .number()
    .int()
    .min(0)
    .nullable()
    .default(null)
    .describe("Seed of the epoch order and augmentation only (weights, scores and validation split keep `seed`); null = seed"),
};

/** The optimiser (train/optimizer). */
export const optimizerSection = {
  optimizer: z.enum(["sgd", "adam"]).default("sgd").describe("sgd (momentum, optional Nesterov) or adam"),
  momentum: z.number().gte(0).lt(1).default(0.9).describe("SGD momentum"),
  nesterov: z.boolean().default(false).describe("Nesterov momentum for SGD"),
  weightDecay: z.number().gte(0).default(1e-4).describe("L2 weight decay on the trained variables (the scores, in EP)"),
};

/** The learning-rate schedule (train/schedule). */
export const scheduleSection = {
  lr: z.number().gt(0).default(0.1).describe("Peak learning rate"),
  lrSchedule: z
    .enum(["cosine", "step", "constant"])
    .default("cosine")
    .describe("Learning-rate schedule over one training (one cycle for iep)"),
  warmupEpochs: z.number().gte(0).default(0).describe("Linear warm-up of the learning rate, in epochs"),
  stepMilestones: z.array(z.number().gt(0)).default([]).describe("Epochs at which the step schedule multiplies the LR by stepGamma"),
  stepGamma: z.number().gt(0).lte(1).default(0.1).describe("Factor of the step schedule"),
};

/** The compute backend (engine/backend). */
export const backendSection = {
  backend: z
    .enum(["auto", "tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"])
    .default("auto")
    .describe("Compute backend; auto takes tfjs-node-gpu, webgpu (with a GPU adapter), tfjs-node, wasm, cpu in that order"),
  threads: z
    .number()
    .int()
    .gte(1)
    .nullable()
    .default(null)
    .describe("Threads of the wasm backend; null = all cores for a single run, 1 per sweep worker (results do not depend on it)"),
  deviceMasks: z
    .enum(["auto", "on", "off"])
    .default("auto")
    .describe(
      "Train on the device path: masks, dying-ratio record and each step's loss stay on the device, read once per epoch: auto = on GPU backends; the same masks either way",
    ),
};

/** Iterative Edge-Popup (iep/). `pruning` and `rewind` name entries of their registries. */
export const iepSchema = z
  .object({
    cycles: z
      .number()
      .int()
      .min(1)
      .max(MAX_CYCLES)
      .default(4)
      .describe(
        "K, the number of EP cycles; the kept fraction reaches keepFraction at the last one (schedule = fixed-share: must be the K that schedule needs)",
      ),
    schedule: z
      .enum(["geometric", "linear", "list", "fixed-share"])
      .default("geometric")
      .describe(
        "How the kept fraction falls across cycles: geometric keep_c = keep^(c/K), linear in the kept fraction, the explicit `keepFractions` list, or fixed-share: each cycle prunes `pruneShare` of the remaining edges",
      ),
    keepFractions: z
      .array(keep)
      .default([])
      .describe(
        "Kept fraction of each cycle when schedule = list (K values, non-increasing, ending at keepFraction; K equal values = EP with K LR restarts)",
      ),
    pruneShare: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.2)
      .describe(
        "schedule = fixed-share: share s of the remaining edges each cycle prunes, keep_c = (1 − s)^c, the last cycle clamped to keepFraction",
      ),
    epochsPerCycle: z.number().int().min(1).default(2).describe("Epochs of EP in each cycle (the LR schedule spans one cycle)"),
    pruning: z
      .string()
      .default("soft")
      .describe("What happens to the edges outside each cycle's final mask; a name from the iEP pruning registry"),
    rewind: z.string().default("lr").describe("What is reset at each cycle boundary; a name from the iEP rewinding registry"),
    finetuneLr: z
      .number()
      .gt(0)
      .nullable()
      .default(null)
      .describe(
        "rewind = finetune: constant LR of every cycle after the first (null = lr / 10); fine-tuning trains on at a small non-zero LR (Renda et al. 2020), the cosine schedule's last LR is ≈ 0",
      ),
  })
  .strict();

/** The IteRand plug-in (train/iterand-plugin.ts). */
export const iterandSchema = z
  .object({
    period: z.number().int().min(1).default(300).describe("IteRand: re-randomise every N optimiser steps"),
    rate: z
      .number()
      .gte(0)
      .lte(1)
      .default(0.1)
      .describe("IteRand: probability that an unselected weight is re-sampled from its initial distribution"),
  })
  .strict();

/** The sign-flip plug-in (train/signflip-plugin.ts). */
export const signFlipSchema = z
  .object({
    period: z.number().int().min(1).default(300).describe("Sign flips: flip every N optimiser steps"),
    rate: z
      .number()
      .gte(0)
      .lte(1)
      .default(0.1)
      .describe("Sign flips: probability that an unselected, still-available weight flips its sign (its magnitude stays)"),
  })
  .strict();

/**
 * Settings of the training plug-ins (train/plugins): each plug-in's own section, null = off.
 * A section added after `iterand` enters the run id only when on (config/identity.ts).
 */
export const pluginsSection = {
  iterand: iterandSchema.nullable().default(null).describe("IteRand re-randomisation of unselected weights (null = off)"),
  signFlip: signFlipSchema
    .nullable()
    .default(null)
    .describe(
      "PaB-like sign flips of unselected weights: only their signs may change, never their magnitudes; a DR-related variant beside IteRand (null = off)",
    ),
};

export const runConfigSchema = z
  .object({
    ...runSection,
    ...modelSection,
    ...dataSection,
    ...maskingSection,
    ...trainingSection,
    ...optimizerSection,
    ...scheduleSection,
    ...backendSection,
    iep: iepSchema.default(iepSchema.parse({})).describe("Iterative Edge-Popup settings (method = iep)"),
    ...pluginsSection,
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type Method = RunConfig["method"];

type Section<S extends Record<string, z.ZodType>> = { [K in keyof S]: z.infer<S[K]> };
export type RunSettings = Section<typeof runSection>;
export type ModelSettings = Section<typeof modelSection>;
export type MaskingSettings = Section<typeof maskingSection>;
export type DataSettings = Section<typeof dataSection>;
export type TrainingSettings = Section<typeof trainingSection>;
export type OptimizerSettings = Section<typeof optimizerSection>;
export type ScheduleSettings = Section<typeof scheduleSection>;
export type BackendSettings = Section<typeof backendSection>;
export type IepSettings = z.infer<typeof iepSchema>;
/** Kept as the old name: `IepConfig` = the iep section. */
export type IepConfig = IepSettings;
export type IterandConfig = z.infer<typeof iterandSchema>;
export type SignFlipConfig = z.infer<typeof signFlipSchema>;
export type PluginSettings = Section<typeof pluginsSection>;
