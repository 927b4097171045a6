/**
 * Takes the masks of all supermask layers from their current scores, once per step, at
 * the kept fraction it holds (iEP lowers it between cycles).
 */
import * as tf from "@tensorflow/tfjs";
import { onGpuBackend } from "../engine/backend";
import { DeviceSelectionRecord, deviceGlobalTopKMasks, deviceTopKMask } from "./device-mask";
import type { MaskedLayer } from "./layers";
import { ThresholdHint, countOnes, globalTopKMasks, keptCount, topKMask } from "./mask";

/** Whether "auto" takes the masks on the device: on GPU backends (tfjs-node-gpu, WebGPU). */
export function deviceMasksByDefault(): boolean {
  return onGpuBackend();
}

export interface MaskerOptions {
  /** One top-k across all prunable layers instead of one per layer. */
  globalTopK: boolean;
  /** Fraction of edges kept, per layer (or over all layers together with globalTopK). */
  keepFraction: number;
  /**
   * Take the masks on the device (scores never read back; device-mask.ts) or in JS (fused
   * with the factors; mask.ts). Same masks either way. auto (default): on GPU backends.
   */
  deviceMasks?: boolean | "auto";
}

/**
 * The masks of the layers' current scores at `keepFraction`, written into `out` (|S| goes
 * through `abs`). For Masker.refresh's global top-k on the JavaScript path (a local top-k
 * step fuses the mask with the factors instead: MaskedLayer.takeTopK). Reads the scores
 * synchronously: JavaScript path only. Returns each layer's score values as read.
 */
export function masksFromScores(
  layers: MaskedLayer[],
  keepFraction: number,
  globalTopK: boolean,
  abs: Float32Array[],
  out: Uint8Array[],
): Float32Array[] {
  const scoreValues = layers.map((layer) => layer.scores!.dataSync() as Float32Array);
  masksFromScoreValues(layers, scoreValues, keepFraction, globalTopK, abs, out);
  return scoreValues;
}

/** masksFromScores with the scores' values given (read however the caller could). */
export function masksFromScoreValues(
  layers: MaskedLayer[],
  scoreValues: Float32Array[],
  keepFraction: number,
  globalTopK: boolean,
  abs: Float32Array[],
  out: Uint8Array[],
): void {
  scoreValues.forEach((s, i) => {
    const a = abs[i];
    for (let j = 0; j < s.length; j++) a[j] = Math.abs(s[j]);
  });
  if (globalTopK) {
    const total = layers.reduce((n, l) => n + l.numel, 0);
    globalTopKMasks(
      abs,
      keptCount(keepFraction, total),
      layers.map((l) => l.alive),
      out,
    );
  } else {
    layers.forEach((layer, i) => {
      topKMask(abs[i], keptCount(keepFraction, layer.numel), layer.alive, out[i]);
    });
  }
}

export class Masker {
  readonly layers: MaskedLayer[];
  private readonly globalTopK: boolean;
  private keep: number;
  private readonly masks: Uint8Array[];
  /** Per layer: last step's threshold, the bracket for this step's (local top-k only). */
  private readonly hints: ThresholdHint[];
  private abs: Float32Array[] | null = null;
  /** Device path: the alive edges as bool tensors (rebuilt when a layer's alive array changes). */
  private aliveOnDevice: ({ of: Uint8Array; tensor: tf.Tensor; count: number } | null)[];
  /** Whether masks are taken on the device. */
  readonly onDevice: boolean;
  /** Device path: which edges any mask so far selected (the ever-selected record, on the device). */
  readonly deviceRecord: DeviceSelectionRecord | null;

  constructor(layers: MaskedLayer[], options: MaskerOptions) {
    this.layers = layers.filter((l) => l.prunable);
    this.globalTopK = options.globalTopK;
    keptCount(options.keepFraction, 1); // validates it
    this.keep = options.keepFraction;
    this.masks = this.layers.map((l) => new Uint8Array(l.numel));
    this.hints = this.layers.map(() => new ThresholdHint());
    const device = options.deviceMasks ?? "auto";
    this.onDevice = device === "auto" ? deviceMasksByDefault() : device;
    this.aliveOnDevice = this.layers.map(() => null);
    this.deviceRecord = this.onDevice ? new DeviceSelectionRecord(this.layers.map((l) => l.numel)) : null;
  }

  /** The kept fraction the masks are taken at. */
  get keepFraction(): number {
    return this.keep;
  }

  /**
   * Recompute every mask from |S| and hand it to its layer. Returns the masks (owned by
   * the Masker and overwritten on the next call: copy to keep); null on the device path,
   * where they stay on the device and go into `deviceRecord` (read with drain()).
   */
  refresh(): Uint8Array[] | null {
    if (this.onDevice) return this.refreshOnDevice();
    if (this.globalTopK) {
      this.abs ??= this.layers.map((l) => new Float32Array(l.numel));
      const scoreValues = masksFromScores(this.layers, this.keep, true, this.abs, this.masks);
      this.layers.forEach((layer, i) => layer.setMask(this.masks[i], scoreValues[i]));
    } else {
      this.layers.forEach((layer, i) => layer.takeTopK(keptCount(this.keep, layer.numel), this.hints[i], this.masks[i]));
    }
    return this.masks;
  }

  /** A layer's alive edges on the device, uploaded once per alive array. */
  private deviceAlive(i: number): { tensor: tf.Tensor; count: number } | null {
    const alive = this.layers[i].alive;
    const cached = this.aliveOnDevice[i];
    if (!alive) {
      cached?.tensor.dispose();
      this.aliveOnDevice[i] = null;
      return null;
    }
    if (cached && cached.of === alive) return cached;
    cached?.tensor.dispose();
    const tensor = tf.tidy(() => tf.cast(tf.tensor1d(alive, "int32"), "bool"));
    this.aliveOnDevice[i] = { of: alive, tensor: tf.keep(tensor), count: countOnes(alive) };
    return this.aliveOnDevice[i];
  }

  /**
   * The device path: top-k, W ⊙ M, W ⊙ sign(S) and the selection record as tensor ops.
   * Nothing is read back.
   */
  private refreshOnDevice(): null {
    const alive = this.layers.map((_, i) => this.deviceAlive(i));
    let masks: tf.Tensor1D[];
    if (this.globalTopK) {
      const total = this.layers.reduce((n, l) => n + l.numel, 0);
      masks = deviceGlobalTopKMasks(
        this.layers.map((l) => l.scores!),
        keptCount(this.keep, total),
        alive.map((a) => a?.tensor ?? null),
        alive.map((a, i) => a?.count ?? this.layers[i].numel),
      );
    } else {
      masks = this.layers.map((l, i) =>
        deviceTopKMask(l.scores!, keptCount(this.keep, l.numel), alive[i]?.tensor ?? null, alive[i]?.count),
      );
    }
    this.deviceRecord!.record(masks);
    this.layers.forEach((layer, i) => layer.setDeviceMask(masks[i]));
    return null;
  }

  /** Frees the device path's tensors (the record, the alive edges); the layers own the rest. */
  dispose(): void {
    this.deviceRecord?.dispose();
    for (const a of this.aliveOnDevice) a?.tensor.dispose();
    this.aliveOnDevice = this.layers.map(() => null);
  }

  setKeepFraction(keepFraction: number): void {
    keptCount(keepFraction, 1);
    this.keep = keepFraction;
  }
}
