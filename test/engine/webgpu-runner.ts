/**
 * The child process of test/engine/webgpu-training.test.ts (not a test file itself): on one
 * backend, trains a list of configs into a store, and on the device takes masks of fixed
 * scores (many ties, dead edges). Writes
 * everything as JSON to the output file. Usage: node webgpu-runner.js SPEC.json OUT.json
 */
import * as fs from "node:fs";
import { initBackend } from "../../src/engine/backend";
import { Rng } from "../../src/engine/rng";
import { type RunConfigInput, parseRunConfig } from "../../src/experiments/config";
import { loadDataFor, runExperiment } from "../../src/experiments/run";
import type { StoredRun } from "../../src/experiments/store";
import { MaskedLayer } from "../../src/supermask/layers";
import { Masker } from "../../src/supermask/masker";
import { runProcedure } from "../../src/train/procedure";
import * as tf from "@tensorflow/tfjs";
import { countReads } from "./read-counter";

export interface RunnerSpec {
  backend: "webgpu" | "wasm";
  store: string;
  configs: { name: string; config: RunConfigInput }[];
  /** Also compare device masks with the JavaScript reference. */
  masks: boolean;
  /** A config to train once more with its reads counted (no progress reads) and its tensors counted at each epoch's end. */
  watched: RunConfigInput | null;
}

export interface WatchedRun {
  /** Reads of tensor values made by each step but the run's first (see readsPerStep in test/train/device-path.test.ts). */
  readsPerStep: number[];
  /** Reads at each epoch's end (evaluation, the selection record, the sums). */
  readsPerEpochEnd: number[];
  /** tf.memory().numTensors at each epoch's end. */
  tensorsAtEpochEnd: number[];
  epochs: number;
}

export interface MaskCase {
  globalTopK: boolean;
  keepFraction: number;
  /** The masks the device path took, per layer. */
  device: number[][];
}

/** The mask cases: both kinds of top-k at these kept fractions. */
export const MASK_CASES = [false, true].flatMap((globalTopK) => [0.1, 0.3, 0.5].map((keepFraction) => ({ globalTopK, keepFraction })));

export interface RunnerOutput {
  runs: Record<string, StoredRun>;
  masks: MaskCase[];
  watched: WatchedRun | null;
}

async function watchedRun(input: RunConfigInput): Promise<WatchedRun> {
  const config = parseRunConfig(input);
  const data = await loadDataFor(config);
  const counter = countReads();
  const out: WatchedRun = { readsPerStep: [], readsPerEpochEnd: [], tensorsAtEpochEnd: [], epochs: 0 };
  let mark: number | null = null;
  try {
    await runProcedure(config, data, {
      progressReadMs: Number.POSITIVE_INFINITY,
      onEvent: (e) => {
        const now = counter.count();
        if (e.type === "step") {
          if (mark !== null) out.readsPerStep.push(now - mark);
        } else {
          if (mark !== null) out.readsPerEpochEnd.push(now - mark);
          out.tensorsAtEpochEnd.push(tf.memory().numTensors);
          out.epochs++;
        }
        mark = now;
      },
    });
  } finally {
    counter.restore();
  }
  return out;
}

/** Two layers with scores on a coarse grid (many ties at any threshold) and a quarter of the second's edges removed. */
export function maskLayers(): MaskedLayer[] {
  const rng = new Rng(11);
  const shapes = [
    { kind: "dense" as const, inFeatures: 20, outFeatures: 15 },
    { kind: "dense" as const, inFeatures: 15, outFeatures: 12 },
  ];
  const layers = shapes.map(
    (shape, i) =>
      new MaskedLayer(`m${i}`, shape, {
        mode: "supermask",
        weightInit: "signed-constant",
        scoreInit: "kaiming-uniform",
        keepFraction: 0.3,
        rng: new Rng(20 + i),
      }),
  );
  for (const l of layers) {
    const s = new Float32Array(l.numel);
    for (let j = 0; j < s.length; j++) s[j] = (Math.round(rng.next() * 16) - 8) / 8;
    const t = tf.tensor(s, l.weightShape);
    l.scores!.assign(t);
    t.dispose();
  }
  layers[1].alive = Uint8Array.from({ length: layers[1].numel }, (_, j) => (j % 4 === 1 ? 0 : 1));
  return layers;
}

/** The masks a Masker takes of maskLayers() (on the device, or on the JavaScript path), per layer. */
export async function masksOf(globalTopK: boolean, keepFraction: number, deviceMasks: boolean): Promise<number[][]> {
  const layers = maskLayers();
  const masker = new Masker(layers, { globalTopK, keepFraction, deviceMasks });
  try {
    const js = masker.refresh();
    if (js) return js.map((m) => Array.from(m));
    return await Promise.all(layers.map(async (l) => Array.from((await l.readMask())!)));
  } finally {
    masker.dispose();
    for (const l of layers) l.dispose();
  }
}

async function maskCases(): Promise<MaskCase[]> {
  const out: MaskCase[] = [];
  for (const c of MASK_CASES) out.push({ ...c, device: await masksOf(c.globalTopK, c.keepFraction, true) });
  return out;
}

async function main(specFile: string, outFile: string): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(specFile, "utf8")) as RunnerSpec;
  await initBackend(spec.backend);
  const output: RunnerOutput = { runs: {}, masks: [], watched: null };
  for (const { name, config } of spec.configs) {
    output.runs[name] = await runExperiment({ ...config, backend: spec.backend }, { store: spec.store });
  }
  if (spec.masks) output.masks = await maskCases();
  if (spec.watched) output.watched = await watchedRun({ ...spec.watched, backend: spec.backend });
  fs.writeFileSync(outFile, JSON.stringify(output));
}

const [specFile, outFile] = process.argv.slice(2);
// Loaded without arguments (as node --test may, for any file under test/), it does nothing.
if (specFile && outFile) {
  main(specFile, outFile).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
