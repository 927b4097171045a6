/**
 * Every data set the workbench knows, by name. Adding one = one loader file that
 * exports a DatasetSpec + one line here.
 */
import { SltError } from "../errors";
import type { DataSplits, DatasetSpec, LoadOptions } from "./types";
import { mnistSpec } from "./mnist";
import { fashionMnistSpec } from "./fashion-mnist";
import { cifar10Spec, cifar100Spec } from "./cifar";
import { svhnSpec } from "./svhn";
import { syntheticDatasetSpec } from "./synthetic";

export const datasets: Readonly<Record<string, DatasetSpec>> = {
  mnist: mnistSpec,
  "fashion-mnist": fashionMnistSpec,
  cifar10: cifar10Spec,
  cifar100: cifar100Spec,
  svhn: svhnSpec,
  synthetic: syntheticDatasetSpec,
};

export function datasetNames(): string[] {
  return Object.keys(datasets);
}

/** The spec of `name`; SltError("config") listing the known names for an unknown one. */
export function getDataset(name: string): DatasetSpec {
  if (!Object.hasOwn(datasets, name)) {
    throw new SltError("config", `unknown data set "${name}"; known data sets: ${datasetNames().join(", ")}`, "dataset");
  }
  return datasets[name];
}

export function loadDataset(name: string, options: LoadOptions): Promise<DataSplits> {
  return getDataset(name).load(options);
}
