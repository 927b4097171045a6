/**
 * The tfjs wasm backend with a real thread pool (XNNPACK's) in Node.
 *
 * tfjs-backend-wasm 4.22 runs single-threaded in Node for three reasons, each worked
 * around here without touching the package:
 *  1. its loader reports no thread support in Node (flag WASM_HAS_MULTITHREAD_SUPPORT) and
 *     hands Emscripten blob: URLs for the pthread worker and the main script, which Node's
 *     worker_threads cannot load: here the threaded-SIMD module is instantiated directly,
 *     with the worker script written to a temporary file and real file paths;
 *  2. its C++ side caps the pool at half the logical cores (1 on a 2-core machine), read
 *     through os.cpus() while the module starts: os.cpus() reports twice the cores for
 *     that moment only, and the pool size is then set exactly (initWithThreadsCount);
 *  3. the pool's workers keep Node's event loop alive: they are unref'd once started.
 * The module object is handed to the package's own BackendWasm, so every kernel is the
 * package's. Relies on package internals (the wasm-out file names, the module's cwrap
 * names): a tfjs upgrade must re-run test/engine/backend.test.ts, which checks it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

interface EmscriptenWorker {
  unref(): void;
}

interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
  tfjs?: Record<string, unknown>;
}

type ModuleFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

const BASE = "tfjs-backend-wasm-threaded-simd";

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
}

/** Why the threaded build cannot run here, or null when it can (the files it needs exist, SIMD present). */
export function threadedWasmUnavailable(): string | null {
  let dir: string;
  try {
    dir = wasmOutDir();
  } catch {
    return "@tensorflow/tfjs-backend-wasm is not installed";
  }
  for (const f of [`${BASE}.js`, `${BASE}.worker.js`, `${BASE}.wasm`]) {
    if (!fs.existsSync(path.join(dir, f))) return `${f} is missing from @tensorflow/tfjs-backend-wasm`;
  }
  if (typeof SharedArrayBuffer === "undefined") return "this Node has no SharedArrayBuffer";
  return null;
}

/**
 * Replace the registered "wasm" backend by the threaded one with `threads` threads; call
 * before tf.setBackend("wasm"). The package's single-threaded build stays what a plain
 * `wasm` backend without this call loads.
 */
export function registerThreadedWasm(threads: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("@tensorflow/tfjs-backend-wasm") as WasmPackage;
  const dir = wasmOutDir();
  pkg.setThreadsCount(threads);
  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require(path.join(dir, `${BASE}.js`)) as ModuleFactory;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { wasmWorkerContents } = require(path.join(dir, `${BASE}.worker.js`)) as { wasmWorkerContents: string };
      const workerFile = path.join(os.tmpdir(), `slt-${BASE}-${process.pid}.worker.js`);
      // The package escapes newlines the same way before making its blob.
      fs.writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, "\\n"));
      process.once("exit", () => fs.rmSync(workerFile, { force: true }));
      // The module itself, not the import namespace (whose properties are read-only getters).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const osModule = require("node:os") as { cpus: () => os.CpuInfo[] };
      const realCpus = osModule.cpus;
      const doubled = realCpus().concat(realCpus());
      osModule.cpus = () => doubled;
      let module: ThreadedModule;
      try {
        module = await factory({
          locateFile: (file: string) => (file.endsWith(".worker.js") ? workerFile : path.join(dir, file)),
          mainScriptUrlOrBlob: path.join(dir, `${BASE}.js`),
        });
      } finally {
        osModule.cpus = realCpus;
      }
      module.tfjs = {
        init: module.cwrap("init", null, []),
        initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
        getThreadsCount: module.cwrap("get_threads_count", "number", []),
        registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
        disposeData: module.cwrap("dispose_data", null, ["number"]),
        dispose: module.cwrap("dispose", null, []),
      };
      const backend = new pkg.BackendWasm(module);
      for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref();
      return backend;
    },
    2,
  );
}
