/**
 * The WebGPU backend's "not available" path, made certain on any machine: the npm package
 * `webgpu` is hidden from require (as on a machine without the optional dependency), so
 * the probe finds no adapter whatever GPU there is. `auto` then takes the next backend,
 * and asking for webgpu is one clear error with the reason. No test needs a GPU.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Module from "node:module";
import { SltError } from "../../src/errors";

// Before the probe runs (it runs once per process): `webgpu` cannot be loaded.
const loader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const realLoad = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  if (request === "webgpu") throw new Error("Cannot find module 'webgpu' (hidden by the test)");
  return realLoad.call(this, request, ...rest);
};

test("without the webgpu package (or without a Vulkan loader): not available, with the reason; auto takes the next backend", async () => {
  const { BACKEND_ORDER, availableBackends, initBackend, probeWebgpu } = await import("../../src/engine/backend");
  const status = await probeWebgpu();
  assert.equal(status.available, false);
  assert.match(status.reason, /Vulkan loader|`webgpu` is not installed/);
  assert.ok(!availableBackends().includes("webgpu"));
  assert.ok(BACKEND_ORDER.indexOf("webgpu") < BACKEND_ORDER.indexOf("wasm"), "webgpu comes before the CPU backends in auto");
  assert.ok(BACKEND_ORDER.indexOf("tensorflow-gpu") < BACKEND_ORDER.indexOf("webgpu"), "tfjs-node-gpu stays first");
  await assert.rejects(
    initBackend("webgpu"),
    (e: unknown) => e instanceof SltError && e.subject === "backend" && e.message.includes(status.reason),
  );
  const auto = await initBackend("auto");
  assert.equal(
    auto.name,
    BACKEND_ORDER.find((b) => availableBackends().includes(b)),
  );
  assert.notEqual(auto.name, "webgpu");
});
