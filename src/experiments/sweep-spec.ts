/**
 * A sweep's spec (a base config, a grid of values, explicit extra runs) and its expansion
 * into validated runs: every run config goes through validateRunConfig, and each problem is
 * attributed, by its field path, to the grid value, explicit run or base field at fault.
 */
import { z } from "zod";
import { type RunConfig, type RunConfigInput, formatProblem } from "../config";
import { SltError } from "../errors";
import { identifyRunOrPathBased } from "./identity";
import { applyRunLimit } from "./limit";
import type { RunStore } from "./store";
import { validateRunConfig } from "./validate";

const configObject = z.record(z.string(), z.unknown());

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).describe("Name of the sweep, shown in progress and used in run labels"),
    base: configObject.default({}).describe("Run config fields shared by every run (see 'slt run --help')"),
    grid: z
      .record(z.string(), z.array(z.unknown()).min(1))
      .default({})
      .describe('Field → list of values; every combination becomes a run. Dotted names reach nested fields, e.g. "iep.pruning"'),
    runs: z.array(configObject).default([]).describe("Explicit extra runs, each merged over base (not combined with the grid)"),
  })
  .strict();

/** A sweep as written (defaults optional). */
export interface SweepSpecInput {
  name: string;
  base?: RunConfigInput;
  grid?: Record<string, unknown[]>;
  runs?: RunConfigInput[];
}

export interface SweepSpec {
  name: string;
  base: RunConfigInput;
  grid: Record<string, unknown[]>;
  runs: RunConfigInput[];
}

/** Validate a spec's shape; one SltError naming each bad field. `source` (a file name) is quoted in the message. */
export function parseSweepSpec(input: unknown, source?: string): SweepSpec {
  const result = sweepSpecSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const field = issue.path.map(String).join(".") || "(spec)";
      if (issue.code === "unrecognized_keys")
        return `  - unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: a sweep spec has name, base, grid and runs.`;
      let got: unknown = input;
      for (const p of issue.path)
        got = got && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
      return `  - "${field}" = ${JSON.stringify(got) ?? "missing"}: ${issue.message}.`;
    });
    throw new SltError(
      "config",
      `Invalid sweep spec${source ? ` ${source}` : ""}:\n${lines.join("\n")}\nSee 'slt sweep --help' for the format.`,
      result.error.issues[0]?.path.map(String).join("."),
    );
  }
  return result.data as SweepSpec;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: nested objects merge field by field, anything else replaces. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** `{ "iep.pruning": "hard" }` → `{ iep: { pruning: "hard" } }`. */
function nest(dotted: string, value: unknown): Record<string, unknown> {
  const parts = dotted.split(".");
  let out: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) out = { [parts[i]]: out };
  return out as Record<string, unknown>;
}

/** One run of a sweep, before any store is looked at. */
export interface SweepRunPlan {
  /** Position in the expanded sweep (grid combinations first, then explicit runs). */
  index: number;
  id: string;
  /** The id before ids followed the data's content (dataDir as a path), when it differs: older stores hold the run under it. */
  pathBasedId: string | null;
  label: string;
  config: RunConfig;
  /** The grid values of this run (empty for an explicit run). */
  assignment: Record<string, unknown>;
}

function formatValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The grid's combinations in a fixed order: the first key varies slowest. */
function combinations(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  return out;
}

/**
 * Every run of the sweep, validated, in a deterministic order (grid combinations with the
 * first grid key varying slowest, then the explicit runs), duplicates (same run id) kept
 * once. Any invalid run is one SltError listing every problem, each attributed to the
 * grid value, explicit run or base field at fault; nothing has run yet. A run with dataDir
 * is identified by its data's content (hashed once; `store` keeps the digests); when its data
 * cannot be read it keeps its path-based id and fails with the data error when it is run.
 */
export function planRuns(input: SweepSpecInput | unknown, source?: string, store?: RunStore): { runs: SweepRunPlan[]; duplicates: number } {
  const spec = parseSweepSpec(input, source);
  const gridKeys = Object.keys(spec.grid);
  const candidates: { raw: Record<string, unknown>; assignment: Record<string, unknown>; where: string; explicitKeys: string[] }[] = [];
  if (gridKeys.length > 0 || spec.runs.length === 0) {
    for (const assignment of combinations(spec.grid)) {
      let raw = spec.base as Record<string, unknown>;
      for (const [k, v] of Object.entries(assignment)) raw = mergeConfig(raw, nest(k, v));
      const where = gridKeys.length
        ? Object.entries(assignment)
            .map(([k, v]) => `${k}=${formatValue(v)}`)
            .join(" ")
        : "base";
      candidates.push({ raw, assignment, where, explicitKeys: [] });
    }
  }
  spec.runs.forEach((run, i) => {
    candidates.push({
      raw: mergeConfig(spec.base as Record<string, unknown>, run as Record<string, unknown>),
      assignment: {},
      where: `runs[${i}]`,
      explicitKeys: Object.keys(run),
    });
  });

  /** Problem text → the field at fault. */
  const problems = new Map<string, string>();
  const runs: SweepRunPlan[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const c of candidates) {
    const check = validateRunConfig(c.raw);
    if (!check.ok) {
      for (const p of check.problems) {
        const field = p.path;
        const matches = (key: string) => key === field || field.startsWith(`${key}.`) || key.startsWith(`${field}.`);
        const gridKey = c.explicitKeys.length === 0 ? gridKeys.find(matches) : undefined;
        const where = gridKey
          ? `grid "${gridKey}" value ${JSON.stringify(c.assignment[gridKey])}`
          : c.explicitKeys.some(matches)
            ? c.where
            : "base";
        const text = `${where}: ${formatProblem(p)}`;
        if (!problems.has(text)) problems.set(text, p.path);
      }
      continue;
    }
    const labelled = check.config;
    if (!labelled.label) labelled.label = c.where === "base" ? spec.name : `${spec.name}: ${c.where}`;
    // SLT_LIMIT caps every run (limit.ts); the capped config is the run.
    const config = applyRunLimit(labelled);
    const { id, pathBasedId } = identifyRunOrPathBased(config, store);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    runs.push({ index: runs.length, id, pathBasedId, label: config.label, config, assignment: c.assignment });
  }
  if (problems.size > 0) {
    const list = [...problems.keys()].map((t) => `  - ${t}`);
    const shown = list.slice(0, 20);
    throw new SltError(
      "config",
      `Invalid sweep "${spec.name}"${source ? ` (${source})` : ""}: ${list.length} problem${list.length > 1 ? "s" : ""}; no run was started.\n${shown.join("\n")}${list.length > shown.length ? `\n  … and ${list.length - shown.length} more` : ""}\nSee 'slt run --help' for every config field.`,
      [...problems.values()][0],
    );
  }
  return { runs, duplicates };
}

/** Every run config of the sweep, validated, in a deterministic order (see planRuns). */
export function expandSweep(input: SweepSpecInput | unknown): RunConfig[] {
  return planRuns(input).runs.map((r) => r.config);
}
