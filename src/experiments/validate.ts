/**
 * The one place a run config is parsed and validated: the schema (src/config), the rules
 * that tie fields together, the names that must be in a registry, and the batch size
 * against the training set. Every front end — the CLI, sweeps, `ensureRuns` of the
 * notebooks, the baselines, `executeRun` — calls `validateRunConfig` (or `parseRunConfig`,
 * which throws its problems as one ConfigError). Problems are data ({path, value, message,
 * fix}); callers attribute or render them from those fields.
 */
import {
  type ConfigProblem,
  ConfigError,
  MAX_CYCLES,
  type FieldDescription,
  type RunConfig,
  type RunConfigInput,
  crossFieldProblems,
  describeConfigFields as describeFields,
  schemaCheck,
} from "../config";
import { datasets } from "../data/registry";
import { pruningStrategies } from "../iep/pruning";
import { rewindStrategies } from "../iep/rewind";
import { fixedShareCycles } from "../iep/schedule";
import { models } from "../models/registry";
import { widthMultiplierProblem } from "../models/types";
import { scoreInitDescriptions, weightInitDescriptions } from "../supermask/init";

/** A registry as the config sees it: the names it accepts and one line on each. */
export interface ConfigChoices {
  /** What one entry is called in messages ("model", "data set"). */
  noun: string;
  /** Name → one-line description. */
  entries(): Record<string, string>;
}

const described = (r: Readonly<Record<string, { description: string }>>) => () =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.description]));

/** The config fields whose choices are a registry's names (dotted path → registry). */
export const registryFields: Readonly<Record<string, ConfigChoices>> = {
  model: { noun: "model", entries: described(models) },
  dataset: { noun: "data set", entries: described(datasets) },
  weightInit: { noun: "weight init", entries: () => ({ ...weightInitDescriptions }) },
  scoreInit: { noun: "score init", entries: () => ({ ...scoreInitDescriptions }) },
  "iep.pruning": { noun: "iEP pruning", entries: described(pruningStrategies) },
  "iep.rewind": { noun: "iEP rewinding", entries: described(rewindStrategies) },
};

/** Field → allowed names, for --help. */
export function registryChoices(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(registryFields).map(([field, r]) => [field, Object.keys(r.entries())]));
}

/** Every config field with type, default and description; registry fields list their names. */
export function describeConfigFields(): FieldDescription[] {
  return describeFields(registryChoices());
}

function fieldValue(config: RunConfig, path: string): unknown {
  let v: unknown = config;
  for (const p of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function registryProblems(config: RunConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [path, registry] of Object.entries(registryFields)) {
    const value = fieldValue(config, path);
    const names = Object.keys(registry.entries());
    if (typeof value === "string" && names.includes(value)) continue;
    out.push({ path, value, message: `unknown ${registry.noun}`, fix: `Known: ${names.join(", ")}.` });
  }
  // A known model's widths bound the multiplier.
  const width = Object.hasOwn(models, config.model) ? widthMultiplierProblem(models[config.model], config.widthMultiplier) : null;
  if (width) out.push({ path: "widthMultiplier", value: config.widthMultiplier, message: width.message, fix: width.fix });
  return out;
}

/**
 * schedule = fixed-share derives K from pruneShare; K is validated, not derived, so that
 * iep.cycles stays the one stated number of cycles that total epochs, the compute-matched
 * baseline and the listings read.
 */
function fixedShareProblems(c: RunConfig): ConfigProblem[] {
  if (c.method !== "iep" || c.iep.schedule !== "fixed-share") return [];
  const { pruneShare, cycles } = c.iep;
  const K = fixedShareCycles(c.keepFraction, pruneShare);
  const steps = `(1 − ${pruneShare})^c reaches keepFraction = ${c.keepFraction} at cycle K = ${K}`;
  if (K > MAX_CYCLES)
    return [
      {
        path: "iep.pruneShare",
        value: pruneShare,
        message: `${steps}, more than the ${MAX_CYCLES} cycles allowed`,
        fix: "Raise iep.pruneShare.",
      },
    ];
  if (cycles !== K)
    return [
      {
        path: "iep.cycles",
        value: cycles,
        message: `but schedule = fixed-share: ${steps}`,
        fix: `Set iep.cycles to ${K} (or change iep.pruneShare).`,
      },
    ];
  return [];
}

/**
 * A batch larger than the training set would give epochs without a single step. Before
 * the data is loaded only `limitTrain` bounds the set; `trainImages` is the loaded count.
 */
function batchSizeProblems(config: RunConfig, trainImages?: number): ConfigProblem[] {
  const n = trainImages ?? (config.limitTrain > 0 ? config.limitTrain : undefined);
  if (n === undefined || config.batchSize <= n) return [];
  const why =
    trainImages === undefined ? `limitTrain = ${n}` : `${n} images${config.limitTrain ? `, limitTrain = ${config.limitTrain}` : ""}`;
  return [
    {
      path: "batchSize",
      value: config.batchSize,
      message: `is larger than the training set (${why})`,
      fix: `Use a batch size of at most ${n}.`,
    },
  ];
}

export type ConfigCheck = { ok: true; config: RunConfig } | { ok: false; problems: ConfigProblem[] };

export interface ValidateOptions {
  /** Images in the loaded training set, when known (checks the batch size against it). */
  trainImages?: number;
}

/** Parse and validate a run config: the typed, defaulted config, or every problem found. */
export function validateRunConfig(input: unknown, options: ValidateOptions = {}): ConfigCheck {
  const parsed = schemaCheck(input);
  if (!parsed.config) return { ok: false, problems: parsed.problems };
  const config = parsed.config;
  const problems = [
    ...crossFieldProblems(config),
    ...fixedShareProblems(config),
    ...registryProblems(config),
    ...batchSizeProblems(config, options.trainImages),
  ];
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/** validateRunConfig that throws its problems as one ConfigError (an SltError of kind "config"). */
export function parseRunConfig(input: RunConfigInput | RunConfig | unknown, options: ValidateOptions = {}): RunConfig {
  const check = validateRunConfig(input, options);
  if (!check.ok) throw new ConfigError(check.problems);
  return check.config;
}
