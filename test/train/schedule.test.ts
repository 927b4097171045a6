/**
 * Learning-rate schedules at chosen points, each expectation written out from the
 * schedule's definition: linear warm-up to the peak, then constant / step / cosine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type LrScheduleSettings, learningRate } from "../../src/train/schedule";

const base: LrScheduleSettings = { kind: "constant", lr: 0.4, epochs: 10, warmupEpochs: 0, stepMilestones: [], stepGamma: 0.1 };

function close(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

test("constant: the peak everywhere without warm-up", () => {
  for (const e of [0, 0.5, 3, 9.99, 10, 12]) close(learningRate(base, e), 0.4, `epoch ${e}`);
});

test("linear warm-up from 0 to the peak, then the schedule", () => {
  const s = { ...base, warmupEpochs: 2 };
  close(learningRate(s, 0), 0, "start of warm-up");
  close(learningRate(s, 0.5), 0.4 * 0.25, "a quarter through");
  close(learningRate(s, 1), 0.2, "half way");
  close(learningRate(s, 1.999), 0.4 * (1.999 / 2), "just before the end");
  close(learningRate(s, 2), 0.4, "end of warm-up");
  close(learningRate(s, 7), 0.4, "after");
  assert.ok(learningRate(s, 0) >= 0, "never negative");
});

test("step: multiplied by gamma at each milestone passed (milestones in epochs)", () => {
  const s: LrScheduleSettings = { ...base, kind: "step", stepMilestones: [3, 6], stepGamma: 0.5 };
  close(learningRate(s, 0), 0.4, "before the first");
  close(learningRate(s, 2.99), 0.4, "just before 3");
  close(learningRate(s, 3), 0.2, "at 3");
  close(learningRate(s, 5.5), 0.2, "between");
  close(learningRate(s, 6), 0.1, "at 6");
  close(learningRate(s, 9.9), 0.1, "at the end");
  // With warm-up, the warm-up comes first and milestones still count in absolute epochs.
  const w = { ...s, warmupEpochs: 1 };
  close(learningRate(w, 0.5), 0.2, "warm-up half way");
  close(learningRate(w, 1), 0.4, "after warm-up");
  close(learningRate(w, 4), 0.2, "after the first milestone");
});

test("cosine: peak at the start, half at the middle, 0 at the end, and symmetric", () => {
  const s: LrScheduleSettings = { ...base, kind: "cosine" };
  close(learningRate(s, 0), 0.4, "start");
  close(learningRate(s, 5), 0.2, "middle");
  close(learningRate(s, 10), 0, "end");
  close(learningRate(s, 11), 0, "past the end stays at 0");
  // cos(π/4) = √2/2: at a quarter the rate is 0.4·(1 + √2/2)/2.
  close(learningRate(s, 2.5), (0.4 * (1 + Math.SQRT1_2)) / 2, "quarter");
  close(learningRate(s, 2.5) + learningRate(s, 7.5), 0.4, "points symmetric about the middle sum to the peak");
  for (let e = 0; e < 10; e += 0.25) assert.ok(learningRate(s, e + 0.25) <= learningRate(s, e), `non-increasing at ${e}`);
});

test("cosine with warm-up: the cosine spans the epochs after the warm-up", () => {
  const s: LrScheduleSettings = { ...base, kind: "cosine", epochs: 10, warmupEpochs: 2 };
  close(learningRate(s, 1), 0.2, "warm-up half way");
  close(learningRate(s, 2), 0.4, "peak right after warm-up");
  close(learningRate(s, 6), 0.2, "half way through the remaining 8 epochs");
  close(learningRate(s, 10), 0, "end");
});
