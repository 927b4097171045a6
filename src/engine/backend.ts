/**
 * Chooses the TensorFlow.js backend at run time and says which one ran.
 *
 * Order: tfjs-node-gpu (an optional native package a user may install; its install
 * downloads a native library, so nothing here requires it), then WebGPU (the optional npm
 * packages `@tensorflow/tfjs-backend-webgpu` over `webgpu`, Dawn for Node, when it finds a
 * GPU adapter), then tfjs-node (optional, native CPU), then the WebAssembly backend (the
 * default), then the plain JS `cpu` backend.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { SltError } from "../errors";
import { registerThreadedWasm, threadedWasmUnavailable } from "./wasm-threads";

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

/** Whether WebGPU can run here, and why (or why not), in words for `slt info`. */
export interface WebgpuStatus {
  available: boolean;
  reason: string;
}

let webgpuProbe: WebgpuStatus | null = null;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}
interface WebgpuPackage {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/**
 * Look for a WebGPU adapter through the npm `webgpu` package (Dawn), once per process; makes
 * `navigator.gpu` the tfjs WebGPU backend needs. Never throws: the status says what is missing.
 */
export async function probeWebgpu(): Promise<WebgpuStatus> {
  if (webgpuProbe) return webgpuProbe;
  const noLoader = process.platform === "linux" && !vulkanLoaderPresent();
  // Checked first: without a loader Dawn only prints a warning and finds no adapter.
  const dawn = noLoader ? null : (tryRequire("webgpu") as WebgpuPackage | null);
  if (noLoader) {
    webgpuProbe = {
      available: false,
      reason: "no Vulkan loader (libvulkan.so.1, Debian package libvulkan1), which Dawn (npm webgpu) needs on Linux to reach a GPU",
    };
  } else if (!dawn || typeof dawn.create !== "function") {
    webgpuProbe = { available: false, reason: "the optional npm package `webgpu` is not installed (npm install webgpu)" };
  } else if (!tryResolve(PACKAGE_OF.webgpu)) {
    webgpuProbe = { available: false, reason: `the optional npm package ${PACKAGE_OF.webgpu} is not installed` };
  } else {
    try {
      const gpu = dawn.create([]);
      const adapter = await gpu.requestAdapter();
      if (!adapter) {
        webgpuProbe = {
          available: false,
          reason:
            "no GPU adapter: Dawn (npm webgpu) found no usable GPU (on Linux it needs the Vulkan loader libvulkan.so.1, e.g. Debian's libvulkan1, and a GPU driver)",
        };
      } else {
        Object.assign(globalThis, dawn.globals);
        const g = globalThis as { navigator?: { gpu?: GpuLike } };
        if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true });
        else if (!g.navigator.gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
        const i = adapter.info ?? {};
        webgpuProbe = {
          available: true,
          reason: `adapter ${[i.vendor, i.architecture, i.description].filter(Boolean).join(" ") || "found"}`,
        };
      }
    } catch (e) {
      webgpuProbe = { available: false, reason: `Dawn (npm webgpu) failed to start: ${(e as Error).message}` };
    }
  }
  return webgpuProbe;
}

/** Whether the dynamic linker can find libvulkan.so.1: in its cache or in LD_LIBRARY_PATH. */
function vulkanLoaderPresent(): boolean {
  const lib = "libvulkan.so.1";
  try {
    if (fs.readFileSync("/etc/ld.so.cache").includes(lib)) return true;
  } catch {
    /* no cache: look in LD_LIBRARY_PATH only */
  }
  return (process.env.LD_LIBRARY_PATH ?? "")
    .split(":")
    .filter(Boolean)
    .some((dir) => fs.existsSync(path.join(dir, lib)));
}

function tryResolve(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which backends this process can load, without switching to any of them. WebGPU counts
 * once probeWebgpu() has found an adapter (initBackend probes first).
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
  if (webgpuProbe?.available) out.splice(out.includes("tensorflow-gpu") ? 1 : 0, 0, "webgpu");
  if (tryRequire("@tensorflow/tfjs-backend-wasm")) out.push("wasm");
  out.push("cpu");
  return out;
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
  if (preference === "auto" || preference === "webgpu") await probeWebgpu();
  const available = availableBackends();
  const candidates = preference === "auto" ? BACKEND_ORDER.filter((b) => available.includes(b)) : [preference];
  let lastError = "";
  for (const name of candidates) {
    if (!available.includes(name)) {
      lastError =
        name === "webgpu"
          ? `backend "webgpu" is not available: ${webgpuProbe?.reason ?? "not probed"}`
          : `backend "${name}" is not installed (npm install ${PACKAGE_OF[name]})`;
      continue;
    }
    try {
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
      active = await describe(name, available);
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
