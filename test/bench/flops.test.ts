/**
 * The GPU bench's FLOP count and its table of FP32 peaks: a step's FLOPs follow from the
 * layer shapes by the stated rule, and an adapter's name finds its card's datasheet peak (or
 * none, said as such).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forwardFlops, gpuPeakFor, type LayerRun, stepFlops } from "../../bench/flops";
import { StepSession } from "../../bench/session";
import { makeSynthetic } from "../../src/data/synthetic";
import { initBackend } from "../../src/engine/backend";

test("a step's FLOPs: 2 per multiply-add of every dense/conv forward, ×3 for dW and dX, less the input's dX", () => {
  const conv: LayerRun = { name: "c", kind: "conv2d", inputs: 3, outputs: 8, kernel: 3, outputPixels: 32 * 32 };
  const dense: LayerRun = { name: "d", kind: "dense", inputs: 512, outputs: 10, kernel: 1, outputPixels: 1 };
  assert.equal(forwardFlops(conv, 4), 2 * 4 * 1024 * 8 * 9 * 3);
  assert.equal(forwardFlops(dense, 4), 2 * 4 * 512 * 10);
  const f = stepFlops([conv, dense], 4);
  assert.equal(f.forward, 2 * 4 * 1024 * 8 * 9 * 3 + 2 * 4 * 512 * 10);
  assert.equal(f.step, 2 * (2 * 4 * 1024 * 8 * 9 * 3) + 3 * (2 * 4 * 512 * 10));
});

test("FP32 peaks by adapter name: variants before their family, an unknown card gets none", () => {
  assert.equal(gpuPeakFor("NVIDIA H100 80GB HBM3")?.fp32Tflops, 67);
  assert.equal(gpuPeakFor("nvidia hopper NVIDIA H100 PCIe")?.fp32Tflops, 51);
  assert.equal(gpuPeakFor("NVIDIA H100 NVL")?.fp32Tflops, 60);
  assert.equal(gpuPeakFor("NVIDIA H200")?.fp32Tflops, 67);
  assert.equal(gpuPeakFor("NVIDIA A100-SXM4-80GB")?.fp32Tflops, 19.5);
  assert.equal(gpuPeakFor("NVIDIA L4")?.name, "NVIDIA L4");
  assert.equal(gpuPeakFor("NVIDIA L40S")?.name, "NVIDIA L40S");
  assert.equal(gpuPeakFor("Tesla T4")?.fp32Tflops, 8.1);
  assert.equal(gpuPeakFor("google swiftshader SwiftShader driver 5.0.0"), null);
  assert.equal(gpuPeakFor("mesa llvmpipe"), null);
});

test("layer shapes as run on a 32×32×3 input give the known multiply-adds: ResNet-18 (CIFAR) 555,422,720 per image, Conv4 98,306,560", async () => {
  await initBackend("cpu");
  const { train, test: testSet } = makeSynthetic({ height: 32, width: 32, channels: 3, trainCount: 8, testCount: 1 });
  const data = { name: "synthetic", source: "test", numClasses: 10, train, test: testSet, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  // ResNet-18, by hand: stem 32²·64·27; stage 1: 4 × 32²·64·576; stages 2–4 each: a stride-2 conv (s²·c·9·c/2),
  // three s²·c·9·c convs and a 1×1 projection (s²·c·c/2) = 134,217,728 apiece; fc 512·10.
  const resnet = new StepSession("resnet18", data, { batch: 8, keep: 0.5, seed: 0 });
  try {
    const layers = resnet.layerRuns();
    assert.equal(layers.length, 21);
    assert.deepEqual(
      [layers[0], layers[5], layers[10], layers[15]].map((l) => l.outputPixels),
      [32 * 32, 16 * 16, 8 * 8, 4 * 4],
    );
    const macs = 32 * 32 * 64 * 27 + 4 * 32 * 32 * 64 * 576 + 3 * 134_217_728 + 512 * 10;
    assert.equal(macs, 555_422_720);
    assert.equal(stepFlops(layers, 1).forward, 2 * macs);
  } finally {
    resnet.dispose();
  }
  const conv4 = new StepSession("conv4", data, { batch: 8, keep: 0.5, seed: 0 });
  try {
    const macs = 32 * 32 * 64 * 27 + 32 * 32 * 64 * 576 + 16 * 16 * 128 * 576 + 16 * 16 * 128 * 1152 + 8192 * 256 + 256 * 256 + 256 * 10;
    assert.equal(stepFlops(conv4.layerRuns(), 1).forward, 2 * macs);
  } finally {
    conv4.dispose();
  }
});
