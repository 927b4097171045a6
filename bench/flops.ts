/**
 * FLOPs of one Edge-Popup training step, from the layer shapes of the model as it ran, and
 * the FP32 peaks of known GPUs, so that the GPU bench can say what fraction of the card it
 * used. Only dense and conv layers count (matMul / conv2d multiply-adds, 2 FLOPs each);
 * batch norm, ReLU, pooling, the loss, top-k masks and the optimiser are left out.
 */

/** One dense or conv layer as it ran: its weight and the spatial size of its output. */
export interface LayerRun {
  name: string;
  kind: "dense" | "conv2d";
  /** Input features (dense) or channels (conv). */
  inputs: number;
  /** Output features (dense) or channels (conv). */
  outputs: number;
  /** Kernel side (conv; 1 for dense). */
  kernel: number;
  /** Output height × width (conv; 1 for dense). */
  outputPixels: number;
}

/** Forward FLOPs of one layer for `batch` images: 2 × batch × output pixels × outputs × kernel² × inputs. */
export function forwardFlops(l: LayerRun, batch: number): number {
  return 2 * batch * l.outputPixels * l.outputs * l.kernel * l.kernel * l.inputs;
}

export interface StepFlops {
  /** Forward pass, all layers. */
  forward: number;
  /**
   * One training step: forward, dL/dW of every layer (as many FLOPs as its forward) and
   * dL/dX of every layer but the first (the input needs no gradient; ops.ts skips it).
   */
  step: number;
}

export function stepFlops(layers: LayerRun[], batch: number): StepFlops {
  const fwd = layers.map((l) => forwardFlops(l, batch));
  const forward = fwd.reduce((a, b) => a + b, 0);
  return { forward, step: 3 * forward - (fwd[0] ?? 0) };
}

/** A GPU's FP32 peak (non-tensor-core, dense, boost clock), as its maker's datasheet states it. */
export interface GpuPeak {
  /** The card, as the table names it. */
  name: string;
  fp32Tflops: number;
  source: string;
}

/**
 * Known cards, matched against the adapter's name (Dawn's description, e.g. "NVIDIA H100 80GB
 * HBM3"); the first match wins, so specific variants come before their family.
 */
const GPU_PEAKS: { pattern: RegExp; peak: GpuPeak }[] = [
  { pattern: /H100.*PCIe/i, peak: { name: "NVIDIA H100 PCIe", fp32Tflops: 51, source: "NVIDIA H100 datasheet" } },
  { pattern: /H100.*NVL/i, peak: { name: "NVIDIA H100 NVL", fp32Tflops: 60, source: "NVIDIA H100 datasheet" } },
  { pattern: /H100/i, peak: { name: "NVIDIA H100 SXM", fp32Tflops: 67, source: "NVIDIA H100 datasheet" } },
  { pattern: /H200.*NVL/i, peak: { name: "NVIDIA H200 NVL", fp32Tflops: 60, source: "NVIDIA H200 datasheet" } },
  { pattern: /H200/i, peak: { name: "NVIDIA H200 SXM", fp32Tflops: 67, source: "NVIDIA H200 datasheet" } },
  { pattern: /A100/i, peak: { name: "NVIDIA A100", fp32Tflops: 19.5, source: "NVIDIA A100 datasheet" } },
  { pattern: /L40S/i, peak: { name: "NVIDIA L40S", fp32Tflops: 91.6, source: "NVIDIA L40S datasheet" } },
  { pattern: /L40\b/i, peak: { name: "NVIDIA L40", fp32Tflops: 90.5, source: "NVIDIA L40 datasheet" } },
  { pattern: /\bL4\b/i, peak: { name: "NVIDIA L4", fp32Tflops: 30.3, source: "NVIDIA L4 datasheet" } },
  { pattern: /A10G?\b/i, peak: { name: "NVIDIA A10", fp32Tflops: 31.2, source: "NVIDIA A10 datasheet" } },
  { pattern: /\bT4\b/i, peak: { name: "NVIDIA T4", fp32Tflops: 8.1, source: "NVIDIA T4 datasheet" } },
  { pattern: /V100.*PCIe/i, peak: { name: "NVIDIA V100 PCIe", fp32Tflops: 14, source: "NVIDIA V100 datasheet" } },
  { pattern: /V100/i, peak: { name: "NVIDIA V100 SXM2", fp32Tflops: 15.7, source: "NVIDIA V100 datasheet" } },
  { pattern: /RTX 4090/i, peak: { name: "NVIDIA GeForce RTX 4090", fp32Tflops: 82.6, source: "NVIDIA Ada architecture whitepaper" } },
  { pattern: /RTX 3090/i, peak: { name: "NVIDIA GeForce RTX 3090", fp32Tflops: 35.6, source: "NVIDIA Ampere GA102 whitepaper" } },
];

/** The FP32 peak assumed for an adapter, or null when the card is not in the table. */
export function gpuPeakFor(adapterName: string): GpuPeak | null {
  return GPU_PEAKS.find((p) => p.pattern.test(adapterName))?.peak ?? null;
}
