/**
 * What is wrong with a config, as data: each problem names the field (dotted path), the
 * value found, what is wrong and how to fix it. Front ends render or attribute problems
 * from these fields; no one parses an error's text back.
 */
import { z } from "zod";
import { SltError } from "../errors";
import { type RunConfig, pluginsSection, runConfigSchema } from "./schema";

export interface ConfigProblem {
  /** Dotted path of the field at fault ("keepFraction", "iep.keepFractions.0"). */
  path: string;
  /** The value found there (undefined when absent). */
  value: unknown;
  /** What is wrong. */
  message: string;
  /** How to fix it: the allowed values or the field's description. */
  fix: string;
}

/** The message of a field the schema does not know. */
export const UNKNOWN_FIELD = "unknown field";

/** One line of text for a problem. */
export function formatProblem(p: ConfigProblem): string {
  if (p.message === UNKNOWN_FIELD) return `${UNKNOWN_FIELD} "${p.path}". ${p.fix}`;
  const head = p.value === undefined ? `"${p.path}"` : `"${p.path}" = ${JSON.stringify(p.value)}`;
  return `${head}: ${p.message}.${p.fix ? ` ${p.fix}` : ""}`;
}

/** A config that failed validation: an SltError("config") that carries its problems as data. */
export class ConfigError extends SltError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], what = "run config") {
    super(
      "config",
      `Invalid ${what}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}\nSee 'slt run --help' for every field.`,
      problems[0]?.path,
    );
    this.problems = problems;
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let got: unknown = input;
  for (const p of path) got = got && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[p] : undefined;
  return got;
}

/** The fields of the (nested) object schema at `path`, unwrapping defaults and nullables. */
function shapeAt(path: readonly PropertyKey[]): Record<string, z.ZodType> | null {
  let schema: z.ZodType = runConfigSchema;
  for (const p of [...path, ""]) {
    let inner: z.ZodType = schema;
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

export function fieldDescription(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "";
  const shape = shapeAt(path.slice(0, -1));
  return shape?.[String(path[path.length - 1])]?.description ?? "";
}

function issueProblems(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(shapeAt(issue.path) ?? {}).join(", ");
    return issue.keys.map((k) => ({
      path: [...issue.path, k].map(String).join("."),
      value: valueAt(input, [...issue.path, k]),
      message: UNKNOWN_FIELD,
      fix: `Known fields: ${known}.`,
    }));
  }
  const path = issue.path.map(String).join(".") || "(config)";
  const description = fieldDescription(issue.path);
  return [{ path, value: valueAt(input, issue.path), message: issue.message, fix: description ? `(${path}: ${description})` : "" }];
}

/** Parse with the schema: the typed, defaulted config, or the schema's problems. */
export function schemaCheck(input: unknown): { config: RunConfig; problems: [] } | { config: null; problems: ConfigProblem[] } {
  const result = runConfigSchema.safeParse(input ?? {});
  if (result.success) return { config: result.data, problems: [] };
  return { config: null, problems: result.error.issues.flatMap((i) => issueProblems(i, input)) };
}

/** Rules that tie fields together (the schema checks each field alone). */
export function crossFieldProblems(c: RunConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (c.method === "iep" && c.iep.schedule === "list") {
    const ks = c.iep.keepFractions;
    const at = (message: string, fix: string) => out.push({ path: "iep.keepFractions", value: ks, message, fix });
    if (ks.length !== c.iep.cycles) at(`has ${ks.length} values but iep.cycles = ${c.iep.cycles}`, "Give one kept fraction per cycle.");
    else if (Math.abs(ks[ks.length - 1] - c.keepFraction) > 1e-9)
      at(`must end at keepFraction = ${c.keepFraction}, got ${ks[ks.length - 1]}`, "Make the last value equal keepFraction.");
    else
      for (let i = 1; i < ks.length; i++)
        if (ks[i] > ks[i - 1]) {
          at(`must not increase (cycle ${i + 1}: ${ks[i]} > ${ks[i - 1]})`, "List the kept fractions from largest to smallest.");
          break;
        }
  }
  for (const plugin of Object.keys(pluginsSection) as (keyof typeof pluginsSection)[])
    if (c.method === "weights" && c[plugin])
      out.push({
        path: plugin,
        value: c[plugin],
        message: "applies to supermask training only",
        fix: 'Set it to null for method = "weights".',
      });
  return out;
}
