/**
 * Initialisers for the frozen weights and the learnable scores, as registries: a new
 * scheme is one entry in its record plus its one-line description (the description
 * records are typed by the names, so a missing one does not compile). The config's
 * choices and `slt run --help` read the names from here. All draw from the run's seeded Rng (not tfjs's generator), so a
 * network is bit-identical on every backend.
 */
import type { Rng } from "../engine/rng";

export interface InitContext {
  /** Inputs feeding one output unit: in-features for dense, kh·kw·in-channels for conv. */
  fanIn: number;
  /** Fraction of the layer's edges kept; used by the scaled variants. */
  keepFraction: number;
  rng: Rng;
}

export type Initialiser = (n: number, ctx: InitContext) => Float32Array;

/** Kaiming std for ReLU: gain √2 over √fan. */
function kaimingStd(fan: number): number {
  return Math.sqrt(2 / fan);
}

function fill(n: number, draw: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

/**
 * The "scaled" variants divide by the fan-in the sparse subnetwork actually sees:
 * fan · keepFraction (Ramanujan et al.'s scale_fan, stated in the kept fraction).
 */
function scaledFan(ctx: InitContext): number {
  return ctx.fanIn * ctx.keepFraction;
}

export const weightInits = {
  /** ±σ with σ the kaiming std; EP's best-performing init. */
  "signed-constant": (n: number, ctx: InitContext) => {
    const s = kaimingStd(ctx.fanIn);
    return fill(n, () => (ctx.rng.next() < 0.5 ? -s : s));
  },
  "scaled-signed-constant": (n: number, ctx: InitContext) => {
    const s = kaimingStd(scaledFan(ctx));
    return fill(n, () => (ctx.rng.next() < 0.5 ? -s : s));
  },
  /** +σ everywhere (an ablation: only the mask can make features). */
  "unsigned-constant": (n: number, ctx: InitContext) => {
    const s = kaimingStd(ctx.fanIn);
    return fill(n, () => s);
  },
  "kaiming-normal": (n: number, ctx: InitContext) => {
    const s = kaimingStd(ctx.fanIn);
    return fill(n, () => s * ctx.rng.normal());
  },
  "scaled-kaiming-normal": (n: number, ctx: InitContext) => {
    const s = kaimingStd(scaledFan(ctx));
    return fill(n, () => s * ctx.rng.normal());
  },
  /** U(−b, b) with b = √3 · kaiming std, same variance as kaiming-normal. */
  "kaiming-uniform": (n: number, ctx: InitContext) => {
    const b = Math.sqrt(3) * kaimingStd(ctx.fanIn);
    return fill(n, () => ctx.rng.uniform(-b, b));
  },
} satisfies Record<string, Initialiser>;

export type WeightInitName = keyof typeof weightInits;

export const weightInitDescriptions: Readonly<Record<WeightInitName, string>> = {
  "signed-constant": "±σ, σ the kaiming std √(2/fan_in), sign at random (EP's best init)",
  "scaled-signed-constant": "signed-constant with fan_in × keepFraction",
  "unsigned-constant": "+σ everywhere (an ablation: only the mask can make features)",
  "kaiming-normal": "N(0, 2/fan_in)",
  "scaled-kaiming-normal": "kaiming-normal with fan_in × keepFraction",
  "kaiming-uniform": "U(−b, b), b = √3 · kaiming std (same variance as kaiming-normal)",
};

export const scoreInits = {
  /** PyTorch's default for nn.Linear/Conv (a = √5): U(−1/√fan, 1/√fan); the EP reference. */
  "kaiming-uniform": (n: number, ctx: InitContext) => {
    const b = 1 / Math.sqrt(ctx.fanIn);
    return fill(n, () => ctx.rng.uniform(-b, b));
  },
  "kaiming-normal": (n: number, ctx: InitContext) => {
    const s = kaimingStd(ctx.fanIn);
    return fill(n, () => s * ctx.rng.normal());
  },
  /** U(0, 1): all magnitudes comparable, the initial mask is uniform at random. */
  uniform: (n: number, ctx: InitContext) => fill(n, () => ctx.rng.next()),
  /** N(0, 1). */
  normal: (n: number, ctx: InitContext) => fill(n, () => ctx.rng.normal()),
} satisfies Record<string, Initialiser>;

export type ScoreInitName = keyof typeof scoreInits;

export const scoreInitDescriptions: Readonly<Record<ScoreInitName, string>> = {
  "kaiming-uniform": "U(−1/√fan_in, 1/√fan_in), PyTorch's default (a = √5); the EP reference",
  "kaiming-normal": "N(0, 2/fan_in)",
  uniform: "U(0, 1): the initial mask is uniform at random",
  normal: "N(0, 1)",
};
