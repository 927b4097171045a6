/** The models a run can name. A new model: one file exporting a ModelSpec, one line here. */
import { SltError } from "../errors";
import { conv2, conv4, conv6, conv8 } from "./conv";
import { lenet300 } from "./lenet";
import { resnet18 } from "./resnet";
import type { ModelSpec } from "./types";

export const models: Record<string, ModelSpec> = {
  lenet300,
  conv2,
  conv4,
  conv6,
  conv8,
  resnet18,
};

export function getModel(name: string): ModelSpec {
  const spec = models[name];
  if (!spec) throw new SltError("config", `Unknown model "${name}". Known models: ${Object.keys(models).join(", ")}.`, "model");
  return spec;
}
