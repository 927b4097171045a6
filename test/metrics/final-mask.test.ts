/** The final-mask bitset record and the Jaccard overlap, on hand-built masks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng";
import { decodeFinalMask, encodeFinalMask, maskOverlap } from "../../src/metrics/final-mask";

const m = (bits: string) => Uint8Array.from(bits, (b) => Number(b));

test("encodeFinalMask packs one bit per edge across layers (sizes not multiples of 8) and decodes to the same masks", () => {
  // 3 + 7 edges, edge k at bit k (k = 0..9 over both layers): edges 0, 2 of a and 5, 6 of b (= 8, 9) → bytes 0x05, 0x03.
  const record = encodeFinalMask(["a", "b"], [m("101"), m("0000011")]);
  assert.deepEqual(record.edges, [3, 7]);
  assert.deepEqual([...Buffer.from(record.bits, "base64")], [0x05, 0x03]);
  assert.deepEqual(decodeFinalMask(record), [m("101"), m("0000011")]);

  const r = new Rng(3);
  const masks = [1001, 64, 5].map((n) => Uint8Array.from({ length: n }, () => (r.next() < 0.3 ? 1 : 0)));
  const big = encodeFinalMask(["x", "y", "z"], masks);
  assert.equal(Buffer.from(big.bits, "base64").length, Math.ceil(1070 / 8));
  assert.deepEqual(decodeFinalMask(JSON.parse(JSON.stringify(big))), masks);
  assert.throws(() => decodeFinalMask({ ...big, edges: [1001, 64, 50] }), /bytes for 1115 edges/);
});

/**
 * Layer a: A 110100, B 011100 → ∩ 010100 (2), ∪ 111100 (4) → 1/2.
 * Layer b: A 1000, B 0001 → ∩ 0, ∪ 2 → 0.
 * Overall: ∩ 2, |A| 4, |B| 4, ∪ 6 → 1/3.
 */
test("maskOverlap: Jaccard overall and per layer, worked by hand; identical masks give 1", () => {
  const o = maskOverlap(["a", "b"], [m("110100"), m("1000")], [m("011100"), m("0001")]);
  assert.deepEqual(o, { jaccard: 1 / 3, perLayer: { a: 1 / 2, b: 0 }, shared: 2, keptA: 4, keptB: 4 });
  assert.equal(maskOverlap(["a"], [m("0110")], [m("0110")]).jaccard, 1);
});
