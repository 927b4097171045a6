/**
 * The run config: every field validated, defaulted and described in one place. The
 * descriptions feed `slt run --help` and are stored beside every run (OpenLTH's
 * hyperparameter classes, as a zod schema).
 *
 * Naming: `keepFraction` is always the fraction of edges KEPT; the prune rate is
 * 1 − keepFraction. (The reference EP code calls both `prune_rate`.)
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { SltError } from "../errors";
import { fixedShareCycles } from "../iep/schedule";
import { scoreInits, weightInits } from "../supermask/init";

const keep = z.number().gt(0).lte(1);
const MAX_CYCLES = 100;

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
      .enum(["soft", "hard"])
      .default("soft")
      .describe("soft: carry the scores over and remove nothing; hard: remove the edges outside each cycle's mask for good"),
    rewind: z
      .enum(["lr", "scores", "reinit", "finetune"])
      .default("lr")
      .describe(
        "At each cycle boundary: lr = restart the LR schedule (default), scores = also reset scores to their initial values, reinit = fresh random scores, finetune = no rewinding (train on at iep.finetuneLr)",
      ),
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

export const runConfigSchema = z
  .object({
    label: z.string().default("").describe("Free text shown in listings; does not change the run's identity"),
    method: z
      .enum(["ep", "iep", "weights"])
      .default("ep")
      .describe(
        "ep: one-shot Edge-Popup; iep: iterative Edge-Popup (see iep.*); weights: ordinary weight training of the dense network (the baseline)",
      ),
    model: z.string().default("lenet300").describe("Model name from the model registry (slt info lists them)"),
    widthMultiplier: z.number().gt(0).max(16).default(1).describe("Multiplies every hidden width of the model"),
    dataset: z.string().default("mnist").describe("Data set name from the data registry (slt info lists them)"),
    dataDir: z.string().default("").describe("Folder with the data set's files; empty = the data set's default location"),
    validationFraction: z.number().gte(0).lt(1).default(0).describe("Fraction of the training images held out for validation"),
    limitTrain: z.number().int().min(0).default(0).describe("Train on the first N training images only (0 = all); for quick runs"),
    limitTest: z.number().int().min(0).default(0).describe("Evaluate on the first N test images only (0 = all)"),
    augment: z.boolean().default(false).describe("Standard CIFAR augmentation: zero-pad 4, random crop, random horizontal flip"),
    keepFraction: keep
      .default(0.5)
      .describe("Fraction of each layer's edges KEPT by the mask, in (0, 1] (prune rate = 1 − keepFraction); for iep, the final one"),
    globalTopK: z.boolean().default(false).describe("Take one top-k over all layers instead of one per layer"),
    firstLayerDense: z
      .boolean()
      .default(false)
      .describe("Train the first layer's weights normally and keep all its edges (not pruned, no DR)"),
    lastLayerDense: z
      .boolean()
      .default(false)
      .describe("Train the last layer's weights normally and keep all its edges (not pruned, no DR)"),
    weightInit: z
      .enum(Object.keys(weightInits) as [string, ...string[]])
      .default("signed-constant")
      .describe("Initialisation of the frozen weights (scaled-* use fan-in × keepFraction)"),
    scoreInit: z
      .enum(Object.keys(scoreInits) as [string, ...string[]])
      .default("kaiming-uniform")
      .describe("Initialisation of the scores (kaiming-uniform with a=√5 is the EP reference)"),
    epochs: z.number().int().min(1).default(2).describe("Training epochs (ep, weights); iep uses iep.cycles × iep.epochsPerCycle"),
    batchSize: z.number().int().min(1).default(64).describe("Images per optimiser step"),
    evalBatchSize: z.number().int().min(1).default(1000).describe("Images per forward pass when evaluating"),
    optimizer: z.enum(["sgd", "adam"]).default("sgd").describe("sgd (momentum, optional Nesterov) or adam"),
    lr: z.number().gt(0).default(0.1).describe("Peak learning rate"),
    momentum: z.number().gte(0).lt(1).default(0.9).describe("SGD momentum"),
    nesterov: z.boolean().default(false).describe("Nesterov momentum for SGD"),
    weightDecay: z.number().gte(0).default(1e-4).describe("L2 weight decay on the trained variables (the scores, in EP)"),
    labelSmoothing: z.number().gte(0).lt(1).default(0).describe("Label smoothing of the cross-entropy"),
    lrSchedule: z
      .enum(["cosine", "step", "constant"])
      .default("cosine")
      .describe("Learning-rate schedule over one training (one cycle for iep)"),
    warmupEpochs: z.number().gte(0).default(0).describe("Linear warm-up of the learning rate, in epochs"),
    stepMilestones: z.array(z.number().gt(0)).default([]).describe("Epochs at which the step schedule multiplies the LR by stepGamma"),
    stepGamma: z.number().gt(0).lte(1).default(0.1).describe("Factor of the step schedule"),
    seed: z.number().int().min(0).default(0).describe("Seed of weights, scores, data order and augmentation"),
    backend: z
      .enum(["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"])
      .default("auto")
      .describe("Compute backend; auto takes tfjs-node-gpu, tfjs-node, wasm, cpu in that order"),
    iep: iepSchema.default(iepSchema.parse({})).describe("Iterative Edge-Popup settings (method = iep)"),
    iterand: iterandSchema.nullable().default(null).describe("IteRand re-randomisation of unselected weights (null = off)"),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type IepConfig = z.infer<typeof iepSchema>;

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.join(".");
  const field = path || "(config)";
  let got: unknown = input;
  for (const p of issue.path) got = got && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  if (issue.code === "unrecognized_keys") {
    const where = path ? `${path}.` : "";
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${where}${k}"`).join(", ")}. Known fields: ${knownFields(issue.path).join(", ")}.`;
  }
  const description = fieldDescription(issue.path);
  return `"${field}" = ${JSON.stringify(got)}: ${issue.message}.${description ? ` (${field}: ${description})` : ""}`;
}

function shapeAt(path: PropertyKey[]): Record<string, z.ZodType> | null {
  let schema: z.ZodType = runConfigSchema;
  for (const p of [...path, ""]) {
    let inner: z.ZodType = schema;
    // Unwrap defaults and nullables to reach the object.
    for (let i = 0; i < 4; i++) {
      const def = (inner as unknown as { def: { innerType?: z.ZodType } }).def;
      if (def.innerType) inner = def.innerType;
    }
    if (!(inner instanceof z.ZodObject)) return null;
    if (p === "") return inner.shape as Record<string, z.ZodType>;
    const next = (inner.shape as Record<string, z.ZodType>)[String(p)];
    if (!next) return null;
    schema = next;
  }
  return null;
}

function knownFields(path: PropertyKey[]): string[] {
  return Object.keys(shapeAt(path) ?? {});
}

function fieldDescription(path: PropertyKey[]): string {
  if (path.length === 0) return "";
  const shape = shapeAt(path.slice(0, -1));
  return shape?.[String(path[path.length - 1])]?.description ?? "";
}

/** The field at fault: for an unknown key, the key itself rather than the object holding it. */
function issueSubject(issue: z.core.$ZodIssue | undefined): string | undefined {
  if (!issue) return undefined;
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  return path.map(String).join(".");
}

/** Validate and default a config; every problem is listed in one SltError. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${describeIssue(i, input)}`);
    throw new SltError(
      "config",
      `Invalid run config:\n${lines.join("\n")}\nSee 'slt run --help' for every field.`,
      issueSubject(result.error.issues[0]),
    );
  }
  const config = result.data;
  checkCrossFieldRules(config);
  return config;
}

function checkCrossFieldRules(c: RunConfig): void {
  if (c.method === "iep" && c.iep.schedule === "list") {
    const ks = c.iep.keepFractions;
    if (ks.length !== c.iep.cycles)
      throw new SltError(
        "config",
        `"iep.keepFractions" has ${ks.length} values but iep.cycles = ${c.iep.cycles}: give one kept fraction per cycle.`,
        "iep.keepFractions",
      );
    if (Math.abs(ks[ks.length - 1] - c.keepFraction) > 1e-9)
      throw new SltError(
        "config",
        `"iep.keepFractions" must end at keepFraction = ${c.keepFraction}, got ${ks[ks.length - 1]}.`,
        "iep.keepFractions",
      );
    for (let i = 1; i < ks.length; i++)
      if (ks[i] > ks[i - 1])
        throw new SltError(
          "config",
          `"iep.keepFractions" must not increase (cycle ${i + 1}: ${ks[i]} > ${ks[i - 1]}).`,
          "iep.keepFractions",
        );
  }
  if (c.method === "iep" && c.iep.schedule === "fixed-share") {
    // K is validated, not derived: iep.cycles stays the one stated number of cycles that
    // total epochs, the compute-matched baseline and the listings read.
    const { pruneShare, cycles } = c.iep;
    const K = fixedShareCycles(c.keepFraction, pruneShare);
    const steps = `(1 − ${pruneShare})^c reaches keepFraction = ${c.keepFraction} at cycle K = ${K}`;
    if (K > MAX_CYCLES)
      throw new SltError(
        "config",
        `"iep.pruneShare" = ${pruneShare}: ${steps}, more than the ${MAX_CYCLES} cycles allowed. Raise iep.pruneShare.`,
        "iep.pruneShare",
      );
    if (cycles !== K)
      throw new SltError(
        "config",
        `"iep.cycles" = ${cycles}, but schedule = fixed-share: ${steps}. Set iep.cycles to ${K} (or change iep.pruneShare).`,
        "iep.cycles",
      );
  }
  if (c.method === "weights" && c.iterand)
    throw new SltError("config", `"iterand" applies to supermask training only; set it to null for method = weights.`, "iterand");
}

/** Flat list of fields with type, default and description, for --help and docs. */
export function describeConfigFields(): { field: string; type: string; default: unknown; description: string }[] {
  const json = z.toJSONSchema(runConfigSchema, { io: "input" }) as { properties: Record<string, JsonProp> };
  const out: { field: string; type: string; default: unknown; description: string }[] = [];
  const walk = (props: Record<string, JsonProp>, prefix: string) => {
    for (const [k, p] of Object.entries(props)) {
      const inner = p.anyOf?.find((a) => a.type === "object") ?? p;
      if (inner.type === "object" && inner.properties) {
        out.push({ field: prefix + k, type: "object", default: p.default, description: p.description ?? "" });
        walk(inner.properties, `${prefix}${k}.`);
      } else {
        const type = p.enum
          ? p.enum.join("|")
          : p.type === "array"
            ? `${p.items?.type ?? ""}[]`
            : (p.type ?? (p.anyOf ?? []).map((a) => a.type).join("|"));
        out.push({ field: prefix + k, type: String(type), default: p.default, description: p.description ?? "" });
      }
    }
  };
  walk(json.properties, "");
  return out;
}

interface JsonProp {
  type?: string;
  enum?: string[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonProp>;
  items?: JsonProp;
  anyOf?: JsonProp[];
}

/** Canonical JSON: keys sorted, so equal configs serialise (and hash) equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The constant LR of the cycles after the first when iep.rewind = finetune: iep.finetuneLr, or lr / 10 when it is null. */
export function finetuneLrOf(config: Pick<RunConfig, "lr" | "iep">): number {
  return config.iep.finetuneLr ?? config.lr / 10;
}

/**
 * The iep section as it enters the run id: a field that only one schedule or rewind uses
 * counts only there (so configs from before it existed keep their ids), and finetuneLr
 * counts by its value, so null and lr / 10 are one run.
 */
function iepIdentity(config: RunConfig): Record<string, unknown> {
  const { pruneShare, finetuneLr: _finetuneLr, ...identity } = config.iep;
  return {
    ...identity,
    ...(config.iep.schedule === "fixed-share" ? { pruneShare } : {}),
    ...(config.iep.rewind === "finetune" ? { finetuneLr: finetuneLrOf(config) } : {}),
  };
}

/**
 * The run's identity: a hash of every field that can change its results. Fields of the
 * iep section are left out unless method = iep, so an EP run has one id however the
 * unused iep defaults are set.
 */
export function runId(config: RunConfig): string {
  const { label: _label, ...rest } = config;
  const identity: Record<string, unknown> = { ...rest };
  if (config.method !== "iep") delete identity.iep;
  else {
    delete identity.epochs;
    identity.iep = iepIdentity(config);
  }
  return createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 16);
}

/** Total epochs a run trains, all cycles together. */
export function totalEpochs(config: RunConfig): number {
  return config.method === "iep" ? config.iep.cycles * config.iep.epochsPerCycle : config.epochs;
}
