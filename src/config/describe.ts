/** Every config field with its type, default and description: for --help, docs and stored runs. */
import { z } from "zod";
import { runConfigSchema } from "./schema";

export interface FieldDescription {
  field: string;
  type: string;
  default: unknown;
  description: string;
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

/**
 * Flat list of fields. `choices` names the allowed values of the fields whose choices live
 * in a registry (the schema only knows them as strings); they replace the type shown.
 */
export function describeConfigFields(choices: Readonly<Record<string, readonly string[]>> = {}): FieldDescription[] {
  const json = z.toJSONSchema(runConfigSchema, { io: "input" }) as { properties: Record<string, JsonProp> };
  const out: FieldDescription[] = [];
  const walk = (props: Record<string, JsonProp>, prefix: string) => {
    for (const [k, p] of Object.entries(props)) {
      const inner = p.anyOf?.find((a) => a.type === "object") ?? p;
      const field = prefix + k;
      if (inner.type === "object" && inner.properties) {
        out.push({ field, type: "object", default: p.default, description: p.description ?? "" });
        walk(inner.properties, `${field}.`);
      } else {
        const type = choices[field]
          ? choices[field].join("|")
          : p.enum
            ? p.enum.join("|")
            : p.type === "array"
              ? `${p.items?.type ?? ""}[]`
              : (p.type ?? (p.anyOf ?? []).map((a) => a.type).join("|"));
        out.push({ field, type: String(type), default: p.default, description: p.description ?? "" });
      }
    }
  };
  walk(json.properties, "");
  return out;
}
