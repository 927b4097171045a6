/**
 * The GPU bench's FLOP count and its table of FP32 peaks: a step's FLOPs follow from the
 * layer shapes by the stated rule, and an adapter's name finds its card's datasheet peak (or
 * none, said as such).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forwardFlops, gpuPeakFor, type LayerRun, stepFlops } from "../../bench/flops";

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
