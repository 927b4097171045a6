/** Shared pieces of the model tests. */
import { initBackend } from "../../src/engine/backend";
import type { ModelRequest } from "../../src/models/factory";

/** A model request with the EP defaults; tests override what they are about. */
export function modelRequest(model: string, overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model,
    widthMultiplier: 1 / 16,
    method: "ep",
    keepFraction: 0.5,
    weightInit: "signed-constant",
    scoreInit: "kaiming-uniform",
    firstLayerDense: false,
    lastLayerDense: false,
    seed: 1,
    ...overrides,
  };
}

/** Run the same computation on the cpu and the wasm backend (ending on cpu, the tests' default). */
export async function onCpuAndWasm<T>(run: () => T): Promise<{ onCpu: T; onWasm: T }> {
  await initBackend("cpu");
  const onCpu = run();
  await initBackend("wasm");
  const onWasm = run();
  await initBackend("cpu");
  return { onCpu, onWasm };
}
