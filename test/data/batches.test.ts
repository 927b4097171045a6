import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng";
import { SltError } from "../../src/errors";
import { epochOrder, makeBatch } from "../../src/data/batches";
import type { ImageSet } from "../../src/data/types";

/** `count` copies of a 4×4 image whose pixel (r, q) holds 10·(r+1) + (q+1) in channel 0 and 100 + that in channel 1. */
function handMade(count: number): ImageSet {
  const H = 4;
  const W = 4;
  const C = 2;
  const pixels = new Uint8Array(count * H * W * C);
  for (let n = 0; n < count; n++)
    for (let r = 0; r < H; r++)
      for (let q = 0; q < W; q++) {
        const o = ((n * H + r) * W + q) * C;
        pixels[o] = 10 * (r + 1) + (q + 1);
        pixels[o + 1] = 100 + pixels[o];
      }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return { pixels, labels, count, height: H, width: W, channels: C };
}

/** Bytes back from a batch normalised with mean 0, std 1/255 (x = byte). */
const ID = { mean: [0, 0], std: [1 / 255, 1 / 255] };
function image(x: Float32Array, b: number, size: number): number[] {
  return Array.from(x.subarray(b * size, (b + 1) * size), (v) => Math.round(v));
}

test("makeBatch normalises per channel and gathers by order", () => {
  const set = handMade(3);
  set.labels.set([4, 5, 6]);
  const mean = [0.2, 0.5];
  const std = [0.5, 0.25];
  const { x, y } = makeBatch(set, Int32Array.from([2, 0]), 0, 2, { mean, std });
  assert.deepEqual(Array.from(y), [6, 4]);
  assert.equal(x.length, 2 * 32);
  // Pixel (0, 1) of image 2, both channels.
  assert.ok(Math.abs(x[2] - (12 / 255 - 0.2) / 0.5) < 1e-6);
  assert.ok(Math.abs(x[3] - (112 / 255 - 0.5) / 0.25) < 1e-6);
  // A sub-range of the order.
  const one = makeBatch(set, Int32Array.from([2, 0, 1]), 1, 2, { mean, std });
  assert.deepEqual(Array.from(one.y), [4]);
});

test("padCrop + flip: a hand-checked crop, and every image matches pad → crop → mirror", () => {
  const size = 4 * 4 * 2;
  // Find a seed whose first draws are dy = 0, dx = 2, no flip: the image moves down 1 row and left 1 column.
  let seed = 0;
  for (; ; seed++) {
    const r = new Rng(seed);
    if (r.int(3) === 0 && r.int(3) === 2 && r.next() >= 0.5) break;
  }
  const one = makeBatch(handMade(1), Int32Array.from([0]), 0, 1, { ...ID, augment: { padCrop: 1, flip: true }, rng: new Rng(seed) });
  const ch0 = image(one.x, 0, size).filter((_, i) => i % 2 === 0);
  // prettier-ignore
  assert.deepEqual(ch0, [0, 0, 0, 0, 12, 13, 14, 0, 22, 23, 24, 0, 32, 33, 34, 0]);

  // Many copies: each must equal the reference built from the documented draws (dy, dx, coin).
  const n = 1000;
  const pad = 2;
  const { x } = makeBatch(handMade(n), new Int32Array(n), 0, n, { ...ID, augment: { padCrop: pad, flip: true }, rng: new Rng(7) });
  const ref = new Rng(7);
  const seen = new Set<string>();
  const src = handMade(1).pixels;
  for (let b = 0; b < n; b++) {
    const dy = ref.int(2 * pad + 1);
    const dx = ref.int(2 * pad + 1);
    const mirrored = ref.next() < 0.5;
    seen.add(`${dy},${dx},${mirrored}`);
    // Reference: zero-pad to 8×8, crop 4×4 at (dy, dx), then mirror the crop.
    const padded = new Array<number>(8 * 8 * 2).fill(0);
    for (let r = 0; r < 4; r++)
      for (let q = 0; q < 4; q++) for (let c = 0; c < 2; c++) padded[((r + pad) * 8 + q + pad) * 2 + c] = src[(r * 4 + q) * 2 + c];
    const want: number[] = [];
    for (let r = 0; r < 4; r++)
      for (let q = 0; q < 4; q++)
        for (let c = 0; c < 2; c++) {
          const cq = mirrored ? 3 - q : q;
          want.push(padded[((r + dy) * 8 + cq + dx) * 2 + c]);
        }
    assert.deepEqual(image(x, b, size), want, `image ${b}`);
  }
  assert.equal(seen.size, 5 * 5 * 2, "all offsets and both flips should occur in 1000 draws");
});

test("flip alone mirrors columns; padding is black before normalisation", () => {
  let seed = 0;
  while (new Rng(seed).next() >= 0.5) seed++;
  const { x } = makeBatch(handMade(1), Int32Array.from([0]), 0, 1, { ...ID, augment: { padCrop: 0, flip: true }, rng: new Rng(seed) });
  const ch0 = image(x, 0, 32).filter((_, i) => i % 2 === 0);
  assert.deepEqual(ch0.slice(0, 4), [14, 13, 12, 11]);

  // With mean 0.5, std 0.5 a black pad pixel is (0 − 0.5) / 0.5 = −1.
  for (let s = 0; ; s++) {
    const r = new Rng(s);
    if (r.int(3) !== 0) continue;
    const b = makeBatch(handMade(1), Int32Array.from([0]), 0, 1, {
      mean: [0.5, 0.5],
      std: [0.5, 0.5],
      augment: { padCrop: 1, flip: false },
      rng: new Rng(s),
    });
    assert.equal(b.x[0], -1);
    assert.equal(b.x[1], -1);
    break;
  }
});

test("augmentation is deterministic for a seed and consumes three draws per image", () => {
  const set = handMade(16);
  const order = epochOrder(16, new Rng(1));
  const opts = { mean: [0.1, 0.2], std: [0.3, 0.4], augment: { padCrop: 1, flip: true } };
  const a = makeBatch(set, order, 0, 16, { ...opts, rng: new Rng(99) });
  const b = makeBatch(set, order, 0, 16, { ...opts, rng: new Rng(99) });
  const c = makeBatch(set, order, 0, 16, { ...opts, rng: new Rng(100) });
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.notDeepEqual(a.x, c.x);
  const used = new Rng(5);
  makeBatch(set, order, 0, 16, { ...opts, rng: used });
  const ref = new Rng(5);
  for (let i = 0; i < 16 * 3; i++) ref.nextUint32();
  assert.deepEqual(used.getState(), ref.getState());
});

test("epochOrder is a seeded permutation", () => {
  const a = epochOrder(1000, new Rng(3));
  assert.deepEqual(
    Array.from(a).sort((p, q) => p - q),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(a, epochOrder(1000, new Rng(3)));
  assert.notDeepEqual(a, epochOrder(1000, new Rng(4)));
});

test("makeBatch rejects bad ranges, indices, stats and augmentation without an rng", () => {
  const set = handMade(2);
  const order = Int32Array.from([0, 1]);
  const usage = (e: unknown): boolean => e instanceof SltError && e.kind === "usage";
  assert.throws(() => makeBatch(set, order, 1, 3, ID), usage);
  assert.throws(() => makeBatch(set, Int32Array.from([0, 2]), 0, 2, ID), usage);
  assert.throws(() => makeBatch(set, order, 0, 2, { mean: [0], std: [1] }), usage);
  assert.throws(() => makeBatch(set, order, 0, 2, { ...ID, augment: { padCrop: 4, flip: false } }), usage);
  assert.equal(makeBatch(set, order, 1, 1, ID).x.length, 0);
});
