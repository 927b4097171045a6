/**
 * Chooses the TensorFlow.js backend at run time and says which one ran.
 *
 * Order: tfjs-node-gpu (an optional native package a user may install; its install
 * downloads a native library, so nothing here requires it), then WebGPU (the optional npm
 * packages `@tensorflow/tfjs-backend-webgpu` over `webgpu`, Dawn for Node, when it finds a
 * GPU adapter), then tfjs-node (optional, native CPU), then the WebAssembly backend (the
 * default), then the plain JS `cpu` backend. Whether WebGPU has an adapter is asked in a child
 * process and cached (webgpu-probe.ts), so Dawn prints nothing and `auto` pays nothing once
 * it knows; Dawn starts in this process only when WebGPU is the backend that runs. `auto`
 * skips a CPU implementation of Vulkan (SwiftShader, lavapipe): wasm is faster than it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { SltError } from "../errors";
import { registerThreadedWasm, threadedWasmUnavailable } from "./wasm-threads";
import { createDawnGpu, describeAdapter, lastWebgpuProbe, probeWebgpu, type WebgpuStatus } from "./webgpu-probe";

export { probeWebgpu, type WebgpuStatus } from "./webgpu-probe";

export type BackendName = "tensorflow-gpu" | "webgpu" | "tensorflow" | "wasm" | "cpu";
export type BackendPreference = "auto" | BackendName;

export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"];

export interface BackendInfo {
  /** The backend that runs (tfjs's name for it). */
  name: BackendName;
  /** Backends that could be loaded in this process. */
  available: BackendName[];
  /** Threads the backend uses (wasm: its thread pool; cpu: 1; native: TF's own pool). */
  threads: number | "native";
  /** WebAssembly SIMD, for the wasm backend. */
  simd: boolean | null;
  tfjsVersion: string;
  /** Version of the backend package that ran. */
  backendVersion: string;
  /** WebGPU only: the adapter Dawn runs on (vendor, architecture, description). */
  adapter?: string;
}

let active: BackendInfo | null = null;

function tryRequire(name: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name);
  } catch {
    return null;
  }
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const PACKAGE_OF: Record<BackendName, string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

/**
 * Which backends this process can load, without switching to any of them. WebGPU counts
 * once probeWebgpu() has found an adapter (initBackend probes first), a CPU fallback included.
 */
export function availableBackends(): BackendName[] {
  const out: BackendName[] = [];
  // Native bindings are probed by resolving, not loading: loading registers them globally.
  for (const name of ["tensorflow-gpu", "tensorflow"] as const) {
    try {
      require.resolve(PACKAGE_OF[name]);
      out.push(name);
    } catch {
      /* not installed */
    }
  }
  if (lastWebgpuProbe()?.available) out.splice(out.includes("tensorflow-gpu") ? 1 : 0, 0, "webgpu");
  if (tryRequire("@tensorflow/tfjs-backend-wasm")) out.push("wasm");
  out.push("cpu");
  return out;
}

/**
 * The backends `auto` tries, in order: the available ones of BACKEND_ORDER, less a CPU
 * implementation of Vulkan (SwiftShader, lavapipe), slower than wasm, which runs only when asked for.
 */
export function autoCandidates(available: BackendName[], webgpu: WebgpuStatus | null): BackendName[] {
  return BACKEND_ORDER.filter((b) => available.includes(b) && !(b === "webgpu" && webgpu?.adapter?.fallback === true));
}

/** The backend `auto` would take here, decided as initBackend decides it but without starting one. */
export async function autoBackend(): Promise<BackendName> {
  const webgpu = await probeWebgpu();
  return autoCandidates(availableBackends(), webgpu)[0] ?? "cpu";
}

export interface BackendOptions {
  /**
   * Threads of the wasm backend (XNNPACK's pool); 1 = the package's single-threaded build.
   * Fixed for the life of the process once the wasm backend has started.
   */
  threads?: number;
}

/** Threads of the wasm backend once started in this process (its pool cannot be resized). */
let wasmStartedWith: number | null = null;

/**
 * Set up the backend once per process. `auto` takes the first that loads in
 * BACKEND_ORDER. Asking for a backend that cannot load is an error, not a silent fallback,
 * since results are compared across backends.
 */
export async function initBackend(preference: BackendPreference = "auto", options: BackendOptions = {}): Promise<BackendInfo> {
  const asked = options.threads;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) {
    throw new SltError("config", `threads must be a whole number ≥ 1, got ${asked}.`, "threads");
  }
  const threads = asked ?? wasmStartedWith ?? 1;
  const wantsWasm = preference === "wasm" || (preference === "auto" && active?.name === "wasm");
  if (wantsWasm && wasmStartedWith !== null && wasmStartedWith !== threads) {
    throw new SltError(
      "usage",
      `The wasm backend already runs with ${wasmStartedWith} thread(s) in this process and cannot change to ${threads}: start a new process (a sweep worker, a fresh kernel) for another thread count.`,
      "threads",
    );
  }
  if (active && (preference === "auto" || preference === active.name)) return active;
  const webgpu = preference === "auto" || preference === "webgpu" ? await probeWebgpu() : null;
  const available = availableBackends();
  const candidates = preference === "auto" ? autoCandidates(available, webgpu) : [preference];
  let lastError = "";
  for (const name of candidates) {
    if (!available.includes(name)) {
      lastError =
        name === "webgpu"
          ? `backend "webgpu" is not available: ${webgpu?.reason ?? "not probed"}`
          : `backend "${name}" is not installed (npm install ${PACKAGE_OF[name]})`;
      continue;
    }
    try {
      let adapter: string | undefined;
      if (name === "webgpu" && webgpu) adapter = describeAdapter(await createDawnGpu(webgpu));
      if (name === "tensorflow-gpu" || name === "tensorflow" || name === "webgpu") {
        tryRequire(PACKAGE_OF[name]);
      } else if (name === "wasm" && wasmStartedWith === null && threads > 1) {
        const why = threadedWasmUnavailable();
        if (why) throw new Error(`threaded wasm unavailable: ${why}`);
        registerThreadedWasm(threads);
      }
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error("setBackend returned false");
      await tf.ready();
      if (name === "wasm" && wasmStartedWith === null) wasmStartedWith = threads;
      active = { ...(await describe(name, available)), ...(adapter ? { adapter } : {}) };
      return active;
    } catch (e) {
      lastError = `backend "${name}" failed to start: ${(e as Error).message}`;
    }
  }
  throw new SltError("usage", `No TensorFlow.js backend could start. ${lastError}`, "backend");
}

async function describe(name: BackendName, available: BackendName[]): Promise<BackendInfo> {
  let threads: number | "native" = 1;
  let simd: boolean | null = null;
  if (name === "wasm") {
    const wasm = tryRequire("@tensorflow/tfjs-backend-wasm") as { getThreadsCount?: () => number } | null;
    threads = wasm?.getThreadsCount ? wasm.getThreadsCount() : 1;
    simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  } else if (name !== "cpu") {
    // Native TF's own pool; on WebGPU the GPU's.
    threads = "native";
  }
  return {
    name,
    available,
    threads,
    simd,
    tfjsVersion: tf.version.tfjs,
    backendVersion: packageVersion(PACKAGE_OF[name]),
  };
}

/** Whether the backend now running keeps tensors on a GPU (tfjs-node-gpu, WebGPU). */
export function onGpuBackend(): boolean {
  return active?.name === "tensorflow-gpu" || active?.name === "webgpu";
}

/** Threads the wasm backend started with in this process, or null if it has not started. */
export function wasmThreadsInUse(): number | null {
  return wasmStartedWith;
}

/** The backend in use; throws if initBackend has not run. */
export function activeBackend(): BackendInfo {
  if (!active) throw new SltError("usage", "The compute backend is not set up: call initBackend() first.", "backend");
  return active;
}

/** The workbench's own version, from the package.json above this file (src/ or dist/src/). */
function ownVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "slt-workbench") return pkg.version ?? "unknown";
    }
    dir = path.dirname(dir);
  }
  return "unknown";
}

/** Versions stored beside every result. */
export function versions(): Record<string, string> {
  return {
    "slt-workbench": ownVersion(),
    node: process.versions.node,
    "@tensorflow/tfjs": tf.version.tfjs,
    "@tensorflow/tfjs-backend-wasm": packageVersion("@tensorflow/tfjs-backend-wasm"),
  };
}
