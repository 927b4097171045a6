/**
 * Exact top-k masks: every expectation comes from a brute-force reference (a stable sort
 * by value descending, then index ascending), never from the quickselect under test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import { Rng } from "../../src/engine/rng";
import { ThresholdHint, countOnes, fusedTopKMask, globalTopKMasks, keptCount, kthLargest, topKMask } from "../../src/supermask/mask";

/** Indices of the k largest values among `alive` ones; ties go to the lower index. */
function referenceTopK(values: Float32Array, k: number, alive?: Uint8Array | null): Uint8Array {
  const candidates: number[] = [];
  for (let i = 0; i < values.length; i++) if (!alive || alive[i]) candidates.push(i);
  candidates.sort((a, b) => values[b] - values[a] || a - b);
  const mask = new Uint8Array(values.length);
  for (const i of candidates.slice(0, k)) mask[i] = 1;
  return mask;
}

function referenceKth(values: Float32Array, k: number, alive?: Uint8Array | null): number {
  const kept = Array.from(values).filter((_, i) => !alive || alive[i]);
  kept.sort((a, b) => b - a);
  return kept[k - 1];
}

/** Random |scores| with the value distribution a test wants (ties on purpose when `levels` is small). */
function randomValues(rng: Rng, n: number, levels: number | null, signed = false): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = levels === null ? rng.next() : rng.int(levels) / levels;
    out[i] = signed ? v * 2 - 1 : v;
  }
  return out;
}

function randomAlive(rng: Rng, n: number, pAlive: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next() < pAlive ? 1 : 0;
  return a;
}

test("keptCount is round(keep·n), at least 1 and at most n, over many n and keep", () => {
  const keeps = [1e-6, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-9, 1];
  for (const n of [1, 2, 3, 5, 7, 10, 99, 100, 101, 1000, 784 * 300]) {
    for (const keep of keeps) {
      const k = keptCount(keep, n);
      const expected = Math.min(n, Math.max(1, Math.round(keep * n)));
      assert.equal(k, expected, `n=${n} keep=${keep}`);
      assert.ok(k >= 1 && k <= n);
    }
    assert.equal(keptCount(1e-6, n), 1, "a tiny keep still keeps one edge");
    assert.equal(keptCount(1, n), n, "keep 1 keeps every edge");
  }
});

test("keptCount rejects keep outside (0, 1] with an SltError naming keepFraction", () => {
  for (const bad of [0, -0.1, 1.5, 1 + 1e-12, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => keptCount(bad, 10),
      (e: unknown) =>
        e instanceof SltError && e.subject === "keepFraction" && e.message.includes("keepFraction") && e.message.includes(String(bad)),
      `keep=${bad}`,
    );
  }
});

test("topKMask holds exactly k edges and equals the brute-force reference (random, tied and signed-free values)", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + rng.int(400);
    // Mix: continuous values, heavy ties (few levels), and all-equal.
    const levels = trial % 3 === 0 ? null : trial % 3 === 1 ? 1 + rng.int(6) : 1;
    const values = randomValues(rng, n, levels);
    const keep = trial % 7 === 0 ? 1 : trial % 11 === 0 ? 1e-6 : 0.01 + 0.98 * rng.next();
    const k = keptCount(keep, n);
    const mask = topKMask(values, k);
    assert.equal(countOnes(mask), k, `trial ${trial}: n=${n} k=${k}`);
    assert.deepEqual(mask, referenceTopK(values, k), `trial ${trial}: n=${n} k=${k} levels=${levels}`);
  }
});

test("ties are broken by the lowest index: all-equal scores keep the first k", () => {
  for (const n of [1, 2, 9, 64, 1000]) {
    const values = new Float32Array(n).fill(0.25);
    for (const k of [1, Math.ceil(n / 3), n]) {
      const mask = topKMask(values, k);
      for (let i = 0; i < n; i++) assert.equal(mask[i], i < k ? 1 : 0, `n=${n} k=${k} i=${i}`);
    }
  }
});

test("partially tied scores: the tied group at the threshold is cut at its lowest indices", () => {
  // Two clear winners (indices 5 and 2), then five tied values; k = 4 takes the winners and
  // the two lowest-indexed members of the tied group (indices 0 and 1).
  const values = Float32Array.from([0.3, 0.3, 0.9, 0.3, 0.3, 0.8, 0.3, 0.1]);
  const mask = topKMask(values, 4);
  assert.deepEqual(Array.from(mask), [1, 1, 1, 0, 0, 1, 0, 0]);
  assert.deepEqual(mask, referenceTopK(values, 4));
});

test("alive restricts the choice: dead edges are never selected, and the rest follows the reference", () => {
  const rng = new Rng(12);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + rng.int(300);
    const values = randomValues(rng, n, trial % 2 ? 4 : null);
    const alive = randomAlive(rng, n, 0.2 + 0.7 * rng.next());
    const aliveCount = countOnes(alive);
    if (aliveCount === 0) continue;
    const k = 1 + rng.int(aliveCount);
    // A stale `out` buffer full of ones must be overwritten everywhere.
    const out = new Uint8Array(n).fill(1);
    const mask = topKMask(values, k, alive, out);
    assert.equal(mask, out);
    assert.equal(countOnes(mask), k);
    for (let i = 0; i < n; i++) if (!alive[i]) assert.equal(mask[i], 0, `dead edge ${i} selected`);
    assert.deepEqual(mask, referenceTopK(values, k, alive), `trial ${trial}`);
  }
});

test("alive: the largest scores are skipped when they are dead", () => {
  const values = Float32Array.from([5, 4, 3, 2, 1]);
  const alive = Uint8Array.from([0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(topKMask(values, 2, alive)), [0, 0, 1, 1, 0]);
});

test("topKMask asks for more edges than are alive: a RangeError, not a silent short mask", () => {
  assert.throws(() => topKMask(Float32Array.from([1, 2, 3]), 2, Uint8Array.from([0, 1, 0])), RangeError);
  assert.throws(() => topKMask(Float32Array.from([1, 2, 3]), 0), RangeError);
});

test("globalTopKMasks equals a brute-force top-k over the concatenation (ties by layer order, then position)", () => {
  const rng = new Rng(13);
  for (let trial = 0; trial < 100; trial++) {
    const layers = 1 + rng.int(4);
    const sizes = Array.from({ length: layers }, () => 1 + rng.int(120));
    const levels = trial % 2 ? 3 : null;
    const values = sizes.map((n) => randomValues(rng, n, levels));
    const alive = sizes.map((n, li) => (trial % 3 === 0 && li % 2 === 0 ? randomAlive(rng, n, 0.6) : null));
    const total = sizes.reduce((a, b) => a + b, 0);
    const joinedValues = new Float32Array(total);
    const joinedAlive = new Uint8Array(total);
    let off = 0;
    values.forEach((v, li) => {
      joinedValues.set(v, off);
      if (alive[li]) joinedAlive.set(alive[li]!, off);
      else joinedAlive.fill(1, off, off + v.length);
      off += v.length;
    });
    const aliveCount = countOnes(joinedAlive);
    if (aliveCount === 0) continue;
    const k = 1 + rng.int(aliveCount);
    const out = sizes.map((n) => new Uint8Array(n).fill(7));
    globalTopKMasks(values, k, alive, out);
    const expected = referenceTopK(joinedValues, k, joinedAlive);
    off = 0;
    out.forEach((m, li) => {
      assert.deepEqual(m, expected.subarray(off, off + m.length), `trial ${trial} layer ${li}`);
      off += m.length;
    });
    assert.equal(
      out.reduce((s, m) => s + countOnes(m), 0),
      k,
    );
  }
});

test("globalTopKMasks with all-equal scores fills the first layer first", () => {
  const values = [new Float32Array(3).fill(1), new Float32Array(4).fill(1)];
  const out = [new Uint8Array(3), new Uint8Array(4)];
  globalTopKMasks(values, 5, [null, null], out);
  assert.deepEqual(
    out.map((m) => Array.from(m)),
    [
      [1, 1, 1],
      [1, 1, 0, 0],
    ],
  );
});

test("kthLargest equals sorting, with duplicates, negatives and zeros, with and without alive and scratch", () => {
  const rng = new Rng(14);
  const scratch = new Float32Array(600);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + rng.int(500);
    const values = randomValues(rng, n, trial % 4 === 0 ? 2 + rng.int(5) : trial % 4 === 1 ? null : 1 + rng.int(20), true);
    if (trial % 5 === 0) for (let i = 0; i < n; i += 3) values[i] = 0;
    if (trial % 9 === 0) values.reverse(); // sorted-ish inputs are a quickselect's worst case
    const alive = trial % 2 ? randomAlive(rng, n, 0.5) : null;
    const m = alive ? countOnes(alive) : n;
    if (m === 0) continue;
    const copy = Float32Array.from(values);
    for (const k of new Set([1, m, 1 + rng.int(m), Math.ceil(m / 2)])) {
      const got = kthLargest(values, k, alive, trial % 3 ? scratch : undefined);
      assert.equal(got, referenceKth(values, k, alive), `trial ${trial} n=${n} k=${k}`);
    }
    assert.deepEqual(values, copy, "kthLargest must not reorder its input");
  }
});

test("kthLargest on sorted and constant inputs of many sizes", () => {
  for (const n of [1, 2, 3, 4, 5, 16, 17, 255, 1024]) {
    const asc = Float32Array.from({ length: n }, (_, i) => i - n / 2);
    const desc = Float32Array.from(asc).reverse();
    const flat = new Float32Array(n).fill(-0.5);
    for (const k of new Set([1, (n + 1) >> 1, n])) {
      assert.equal(kthLargest(asc, k), referenceKth(asc, k));
      assert.equal(kthLargest(desc, k), referenceKth(desc, k));
      assert.equal(kthLargest(flat, k), -0.5);
    }
  }
});

/** |s| with NaN ranked below every number, as the fused top-k ranks it. */
function magnitudes(scores: Float32Array): Float32Array {
  return scores.map((v) => (Number.isNaN(v) ? -1 : Math.abs(v)));
}

/** Runs fusedTopKMask on float scores and weights; returns its three outputs as floats. */
function fused(scores: Float32Array, weights: Float32Array, k: number, alive: Uint8Array | null, hint: ThresholdHint) {
  const n = scores.length;
  const value = new Float32Array(n);
  const grad = new Float32Array(n);
  const mask = new Uint8Array(n).fill(7); // garbage: every entry must be written
  const out = { mask, maskedWeight: new Int32Array(value.buffer), signedWeight: new Int32Array(grad.buffer) };
  fusedTopKMask(new Int32Array(scores.buffer), new Int32Array(weights.buffer), k, alive, out, hint);
  return { mask, value, grad };
}

/** Float bits compared exactly (so -0 ≠ +0 and NaN = NaN). */
const bitsOf = (x: number) => new Int32Array(Float32Array.of(x).buffer)[0];

function assertFusedExact(
  scores: Float32Array,
  weights: Float32Array,
  k: number,
  alive: Uint8Array | null,
  hint: ThresholdHint,
  what: string,
) {
  const { mask, value, grad } = fused(scores, weights, k, alive, hint);
  const want = referenceTopK(magnitudes(scores), k, alive);
  for (let i = 0; i < scores.length; i++) {
    if (mask[i] !== want[i]) assert.fail(`${what}: mask[${i}] = ${mask[i]}, reference ${want[i]} (|s| = ${Math.abs(scores[i])})`);
    // W ⊙ M as a multiply by 0/1 would give -0 for negative W; the mask keeps +0 (as the JS path always did).
    const wantValue = want[i] ? weights[i] : 0;
    if (bitsOf(value[i]) !== bitsOf(wantValue)) assert.fail(`${what}: value[${i}] = ${value[i]}, want ${wantValue}`);
    const wantGrad = Number.isNaN(scores[i]) ? Number.NaN : scores[i] === 0 ? 0 : weights[i] * Math.sign(scores[i]);
    if (bitsOf(grad[i]) !== bitsOf(Math.fround(wantGrad))) assert.fail(`${what}: grad[${i}] = ${grad[i]}, want ${wantGrad}`);
  }
}

test("fused top-k over training-like steps equals the brute-force reference, and W⊙M, W⊙sign(S) are exact, bit for bit", () => {
  const rng = new Rng(31);
  for (const [n, keep, withAlive] of [
    [20_000, 0.5, false],
    [5_000, 0.1, true],
    [3_000, 0.9, false],
    [777, 0.01, true],
  ] as const) {
    const scores = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.2);
    const weights = Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -0.05 : 0.05));
    const alive = withAlive ? Uint8Array.from({ length: n }, () => (rng.next() < 0.7 ? 1 : 0)) : null;
    const k = Math.max(1, Math.round(keep * (alive ? countOnes(alive) : n)));
    const hint = new ThresholdHint();
    for (let step = 0; step < 12; step++) {
      // Small SGD-like moves; steps 5 and 9 jump far (the bracket must miss and recover).
      const scale = step === 5 || step === 9 ? 0.5 : 1e-4;
      for (let i = 0; i < n; i++) scores[i] += (rng.next() - 0.5) * scale;
      assertFusedExact(scores, weights, k, alive, hint, `n ${n} keep ${keep} step ${step}`);
    }
    assert.equal(hint.calls, 12);
    assert.ok(hint.misses >= 1, `n ${n}: the far jumps made the bracket miss (${hint.misses} misses)`);
    assert.ok(hint.misses <= 4, `n ${n}: small moves stay inside the bracket (${hint.misses} misses of 12)`);
  }
});

test("fused top-k: ties at the threshold by lowest index, zeros, negative zeros, NaN and infinite scores", () => {
  const rng = new Rng(32);
  const n = 4_000;
  const weights = Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const cases: [string, (i: number) => number][] = [
    ["8 levels, signed", () => (rng.int(8) - 4) / 8],
    ["all equal", () => -0.25],
    ["zeros and negative zeros", (i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : rng.next())],
    ["NaN and ±Infinity", (i) => (i % 97 === 0 ? Number.NaN : i % 89 === 0 ? -Infinity : i % 83 === 0 ? Infinity : rng.next() - 0.5)],
  ];
  for (const [name, gen] of cases) {
    const scores = Float32Array.from({ length: n }, (_, i) => gen(i));
    const hint = new ThresholdHint();
    for (const keep of [0.5, 0.02, 0.99, 1]) {
      const k = keptCount(keep, n);
      assertFusedExact(scores, weights, k, null, hint, `${name}, keep ${keep}`);
      const alive = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 1));
      assertFusedExact(scores, weights, keptCount(keep, countOnes(alive)), alive, hint, `${name}, keep ${keep}, alive`);
    }
  }
  // Every score NaN and k = n: all are taken (they rank lowest but are still candidates).
  const nan = new Float32Array(10).fill(Number.NaN);
  assertFusedExact(nan, weights.subarray(0, 10), 10, null, new ThresholdHint(), "all NaN");
});

test("fused top-k agrees with topKMask, the path IteRand and global top-k use", () => {
  const rng = new Rng(33);
  const n = 50_000; // above topKMask's sampling size
  const scores = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  const weights = new Float32Array(n).fill(1);
  const hint = new ThresholdHint();
  for (const keep of [0.3, 0.3, 0.05]) {
    const k = keptCount(keep, n);
    const { mask } = fused(scores, weights, k, null, hint);
    assert.deepEqual(mask, topKMask(magnitudes(scores), k));
  }
});

test("fused top-k rejects k outside the candidate count with a RangeError", () => {
  const scores = new Float32Array(10).fill(1);
  const alive = new Uint8Array(10).fill(1, 0, 4);
  assert.throws(() => fused(scores, scores, 5, alive, new ThresholdHint()), RangeError);
  assert.throws(() => fused(scores, scores, 0, null, new ThresholdHint()), RangeError);
});
