/**
 * Turns the run-config schema into command-line options (one per field, with the field's
 * description as its help), and the parsed options back into a config object.
 * Field `iep.cycles` becomes `--iep-cycles`; `keepFraction` becomes `--keep-fraction`.
 */
import { type Command, Option } from "commander";
import { describeConfigFields, registryFields } from "../experiments/validate";
import { SltError } from "../errors";

export interface FieldOption {
  field: string;
  flag: string;
  /** Commander's attribute name for the flag. */
  attribute: string;
  type: string;
}

function kebab(field: string): string {
  return field
    .replace(/\./g, "-")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

function camelFromKebab(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function configFieldOptions(): FieldOption[] {
  return describeConfigFields()
    .filter((f) => f.type !== "object")
    .map((f) => ({ field: f.field, flag: kebab(f.field), attribute: camelFromKebab(kebab(f.field)), type: f.type }));
}

export function addConfigOptions(cmd: Command): Command {
  // A section (iep, iterand) has no flag of its own: its description heads its fields' group in --help.
  const sectionHeadings = new Map<string, string>();
  const grouped = (opt: Option, field: string): Option => {
    const heading = sectionHeadings.get(field.split(".")[0]);
    return heading ? opt.helpGroup(heading) : opt;
  };
  for (const f of describeConfigFields()) {
    if (f.type === "object") {
      sectionHeadings.set(f.field, `${f.field}: ${f.description}:`);
      // A plug-in section that is off by default (null) gets a flag that turns it on with its defaults.
      if (f.default === null) {
        const flag = kebab(f.field);
        const settings = configFieldOptions()
          .filter((o) => o.field.startsWith(`${f.field}.`))
          .map((o) => `--${o.flag}`);
        cmd.addOption(grouped(new Option(`--${flag}`, `Turn on ${f.field} with its defaults (see ${settings.join(", ")})`), f.field));
      }
      continue;
    }
    const flag = kebab(f.field);
    const dflt = f.default === undefined ? "" : ` (default: ${JSON.stringify(f.default)})`;
    const registry = registryFields[f.field];
    // Registry fields list each choice with its description; a wrong name is the config's
    // error (field + the known names), not commander's.
    const choices = registry
      ? ` Choices: ${Object.entries(registry.entries())
          .map(([name, d]) => `${name} (${d})`)
          .join("; ")}.`
      : "";
    const help = `${f.description}${dflt}${choices}`;
    if (f.type === "boolean") {
      cmd.addOption(grouped(new Option(`--${flag}`, help), f.field));
      cmd.addOption(new Option(`--no-${flag}`, `Turn off --${flag}`).hideHelp());
    } else {
      const isChoice = f.type.includes("|") && !f.type.split("|").includes("null");
      const opt = new Option(`--${flag} <${isChoice ? "choice" : f.type}>`, help);
      if (isChoice && !registry) opt.choices(f.type.split("|"));
      cmd.addOption(grouped(opt, f.field));
    }
  }
  return cmd;
}

function parseValue(field: string, type: string, raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  const types = type.split("|");
  // A nullable field (e.g. iep.finetuneLr) takes "null" for its default.
  if (types.includes("null") && raw === "null") return null;
  if (types.includes("number") || types.includes("integer")) {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new SltError("config", `--${kebab(field)} expects a number, got "${raw}".`, field);
    return n;
  }
  if (type.endsWith("[]")) {
    const parts = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return type.startsWith("number") ? parts.map((p) => parseValue(field, "number", p)) : parts;
  }
  return raw;
}

/** Merge CLI options into a (possibly file-loaded) config object; CLI wins. */
export function configFromOptions(opts: Record<string, unknown>, base: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const f of configFieldOptions()) {
    const raw = opts[f.attribute];
    if (raw === undefined) continue;
    const value = parseValue(f.field, f.type, raw);
    const path = f.field.split(".");
    let target = config;
    for (const p of path.slice(0, -1)) {
      if (target[p] === null || typeof target[p] !== "object") target[p] = {};
      target = target[p] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
  }
  for (const section of describeConfigFields().filter((f) => f.type === "object" && f.default === null)) {
    const on = opts[camelFromKebab(kebab(section.field))] === true;
    if (on && (config[section.field] === null || config[section.field] === undefined)) config[section.field] = {};
  }
  return config;
}
