/**
 * IteRand (Chijiwa et al., NeurIPS 2021): every `period` optimiser steps, each weight the
 * current scores leave out is re-drawn from its initial distribution with probability
 * `rate`; selected weights are never touched. Partially re-randomising the unused weights
 * lets a supermask reach weights the first draw did not offer, without growing the network.
 *
 * The re-draw itself lives here (a supermask operation); the training plug-in that calls it
 * every `period` steps is src/train/iterand-plugin.ts, so it works for EP and every iEP
 * variant without touching them.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { weightInits } from "./init";
import type { MaskedLayer } from "./layers";
import { masksFromScoreValues } from "./masker";

/**
 * The masks of the layers' *current* scores (read asynchronously: plug-ins run on every
 * backend). The plug-in runs after the optimiser step, so `layer.mask` (the mask this step
 * trained with) may be one update stale; the reference implementation also takes the
 * subnetwork from the scores as they are when it re-draws, which is the mask the next step
 * will train with.
 */
export async function currentMasks(layers: MaskedLayer[], keepFraction: number, globalTopK: boolean): Promise<Uint8Array[]> {
  const out = layers.map((l) => new Uint8Array(l.numel));
  const scoreValues = await Promise.all(layers.map(async (l) => (await l.scores!.data()) as Float32Array));
  masksFromScoreValues(
    layers,
    scoreValues,
    keepFraction,
    globalTopK,
    layers.map((l) => new Float32Array(l.numel)),
    out,
  );
  return out;
}

/** The layers' weights, copied (read asynchronously). */
export async function weightCopies(layers: MaskedLayer[]): Promise<Float32Array[]> {
  return Promise.all(layers.map(async (l) => Float32Array.from((await l.weight.data()) as Float32Array)));
}

/**
 * Re-draw the unselected, still-available weights of `layers` with probability `rate`.
 * All randomness comes from `rng`, layer by layer in order, so equal inputs give equal
 * weights. Returns how many weights were re-drawn per layer.
 */
export async function rerandomizeUnselected(layers: MaskedLayer[], masks: Uint8Array[], rate: number, rng: Rng): Promise<number[]> {
  const weights = await weightCopies(layers);
  return layers.map((layer, li) => {
    const mask = masks[li];
    const alive = layer.alive;
    // A fresh draw of the whole layer keeps the init code the single source of the distribution.
    const fresh = weightInits[layer.weightInit](layer.numel, { fanIn: layer.fanIn, keepFraction: layer.initKeepFraction, rng });
    const w = weights[li];
    let redrawn = 0;
    for (let i = 0; i < w.length; i++) {
      if (mask[i] || (alive && !alive[i])) continue;
      if (rng.next() < rate) {
        w[i] = fresh[i];
        redrawn++;
      }
    }
    if (redrawn) {
      const t = tf.tensor(w, layer.weightShape);
      layer.weight.assign(t);
      t.dispose();
    }
    return redrawn;
  });
}
