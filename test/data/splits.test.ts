import { test } from "node:test";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import { channelStats, checkLoadOptions, finishSplits, splitValidation } from "../../src/data/splits";
import { makeSynthetic, SYNTHETIC_DEFAULTS } from "../../src/data/synthetic";
import { datasetNames, datasets, getDataset, loadDataset } from "../../src/data/registry";
import type { ImageSet } from "../../src/data/types";
import { baseOptions } from "./fixtures";

/** `count` 1×2×1 images whose two bytes spell their index (high, low), so subsets can be traced. */
function indexed(count: number): ImageSet {
  const pixels = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    pixels[2 * i] = i >> 8;
    pixels[2 * i + 1] = i & 255;
  }
  return { pixels, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, height: 1, width: 2, channels: 1 };
}
const ids = (s: ImageSet): number[] => Array.from({ length: s.count }, (_, i) => s.pixels[2 * i] * 256 + s.pixels[2 * i + 1]);

test("validation split: seeded, disjoint, complete, in file order, labels kept", () => {
  const set = indexed(1000);
  const a = splitValidation(set, 0.1, 42);
  assert.equal(a.validation?.count, 100);
  assert.equal(a.train.count, 900);
  const tr = ids(a.train);
  const va = ids(a.validation as ImageSet);
  assert.deepEqual(
    [...tr, ...va].sort((p, q) => p - q),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(
    tr,
    [...tr].sort((p, q) => p - q),
  );
  assert.deepEqual(
    va,
    [...va].sort((p, q) => p - q),
  );
  for (let i = 0; i < a.train.count; i++) assert.equal(a.train.labels[i], tr[i] % 10);
  assert.deepEqual(ids(splitValidation(set, 0.1, 42).validation as ImageSet), va);
  assert.notDeepEqual(ids(splitValidation(set, 0.1, 43).validation as ImageSet), va);
  assert.equal(splitValidation(set, 0, 42).validation, undefined);
  assert.equal(splitValidation(indexed(5), 0.01, 1).validation?.count, 1);
});

test("finishSplits: limits apply after the split; stats are over the final training pixels", () => {
  const set = indexed(300);
  const test = indexed(50);
  const s = finishSplits(
    { name: "t", source: "mem", numClasses: 10, train: set, test },
    { validationFraction: 0.2, seed: 1, limitTrain: 100, limitTest: 7 },
  );
  assert.equal(s.validation?.count, 60);
  assert.equal(s.train.count, 100);
  assert.equal(s.test.count, 7);
  assert.deepEqual(ids(s.train), ids(splitValidation(set, 0.2, 1).train).slice(0, 100));
  const { mean, std } = channelStats(s.train);
  assert.deepEqual(s.mean, mean);
  assert.deepEqual(s.std, std);
  // Limits above the count mean all.
  const all = finishSplits({ name: "t", source: "mem", numClasses: 10, train: set, test }, { ...baseOptions, limitTrain: 1000 });
  assert.equal(all.train.count, 300);
});

test("channelStats matches a direct computation, per channel, on a 0..1 scale", () => {
  const { train } = makeSynthetic({ channels: 3, trainCount: 200, testCount: 0 });
  const { mean, std } = channelStats(train);
  for (let c = 0; c < 3; c++) {
    const v: number[] = [];
    for (let i = c; i < train.pixels.length; i += 3) v.push(train.pixels[i] / 255);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    assert.ok(Math.abs(mean[c] - m) < 1e-12);
    assert.ok(Math.abs(std[c] - sd) < 1e-12);
  }
});

test("load options are checked with config errors", () => {
  const bad = [
    { ...baseOptions, validationFraction: 1 },
    { ...baseOptions, validationFraction: -0.1 },
    { ...baseOptions, limitTrain: 1.5 },
    { ...baseOptions, limitTest: -1 },
    { ...baseOptions, seed: Number.NaN },
  ];
  for (const o of bad)
    assert.throws(
      () => checkLoadOptions(o),
      (e: unknown) => e instanceof SltError && e.kind === "config",
      JSON.stringify(o),
    );
});

test("synthetic: deterministic, balanced, and a linear model learns it far above chance", () => {
  const a = makeSynthetic();
  const b = makeSynthetic();
  assert.deepEqual(a.train.pixels, b.train.pixels);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.notDeepEqual(makeSynthetic({ seed: 2 }).train.pixels, a.train.pixels);
  const { train, test } = a;
  assert.equal(train.count, SYNTHETIC_DEFAULTS.trainCount);
  const counts = new Array<number>(10).fill(0);
  train.labels.forEach((l) => counts[l]++);
  assert.ok(counts.every((k) => k === train.count / 10));

  // Softmax regression, plain SGD, 3 epochs.
  const D = train.height * train.width * train.channels;
  const K = 10;
  const W = new Float64Array(K * D);
  const bias = new Float64Array(K);
  const z = new Float64Array(K);
  const scores = (s: ImageSet, i: number): Float64Array => {
    for (let k = 0; k < K; k++) {
      let v = bias[k];
      for (let d = 0; d < D; d++) v += W[k * D + d] * (s.pixels[i * D + d] / 255 - 0.5);
      z[k] = v;
    }
    return z;
  };
  for (let epoch = 0; epoch < 3; epoch++) {
    for (let i = 0; i < train.count; i++) {
      const s = scores(train, i);
      const m = Math.max(...s);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += s[k] = Math.exp(s[k] - m);
      for (let k = 0; k < K; k++) {
        const g = s[k] / sum - (k === train.labels[i] ? 1 : 0);
        bias[k] -= 0.1 * g;
        for (let d = 0; d < D; d++) W[k * D + d] -= 0.1 * g * (train.pixels[i * D + d] / 255 - 0.5);
      }
    }
  }
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const s = scores(test, i);
    let best = 0;
    for (let k = 1; k < K; k++) if (s[k] > s[best]) best = k;
    if (best === test.labels[i]) correct++;
  }
  const acc = correct / test.count;
  assert.ok(acc > 0.8, `linear accuracy ${acc} should be far above chance (0.1)`);
});

test("registry: the six data sets, config error for an unknown name, synthetic loads through it", async () => {
  assert.deepEqual(datasetNames(), ["mnist", "fashion-mnist", "cifar10", "cifar100", "svhn", "synthetic"]);
  for (const [name, spec] of Object.entries(datasets)) {
    assert.equal(spec.name, name);
    assert.ok(spec.description.length > 0 && spec.howToGet.length > 0);
  }
  assert.equal(getDataset("cifar100").numClasses, 100);
  assert.throws(
    () => getDataset("imagenet"),
    (e: unknown) =>
      e instanceof SltError &&
      e.kind === "config" &&
      /unknown data set "imagenet".*mnist, fashion-mnist, cifar10, cifar100, svhn, synthetic/.test(e.message),
  );
  assert.throws(() => getDataset("toString"), SltError);
  const s = await loadDataset("synthetic", { validationFraction: 0.1, seed: 5, limitTrain: 0, limitTest: 100 });
  assert.equal(s.name, "synthetic");
  assert.deepEqual([s.train.height, s.train.width, s.train.channels], getDataset("synthetic").inputShape);
  assert.equal(s.validation?.count, 500);
  assert.equal(s.train.count, 4500);
  assert.equal(s.test.count, 100);
  await assert.rejects(
    loadDataset("synthetic", { ...baseOptions, validationFraction: 2 }),
    (e: unknown) => e instanceof SltError && e.kind === "config",
  );
});
