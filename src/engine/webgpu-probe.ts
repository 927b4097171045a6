/**
 * Whether WebGPU (Dawn, the npm package `webgpu`) finds a GPU adapter here, asked without a
 * sound on the user's terminal and paid for once per machine set-up.
 *
 * Dawn and the Vulkan stack under it write to fd 2 from native code while they enumerate
 * devices (Mesa's lavapipe: "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required";
 * Mesa's implicit device-select layer: "error: XDG_RUNTIME_DIR is invalid"), which JavaScript
 * cannot intercept in its own process. So the probe runs in a short-lived child process
 * (webgpu-probe-child.ts) whose stdout and stderr go to a file; its answer is kept for the
 * process and cached on disk, keyed by everything that decides it (the Vulkan environment
 * variables, the ICD and implicit-layer files and their mtimes, the GPU device nodes, the
 * Vulkan loader, the `webgpu` package and Node versions). A cache hit costs a few stat calls.
 *
 * Dawn is created in this process only when the probe found an adapter and WebGPU is the
 * backend that will run (createDawnGpu), with the environment the probe found quiet:
 * Mesa's device-select layer off (NODEVICE_SELECT=1, unless the user set it or picks a device
 * with MESA_VK_DEVICE_SELECT), and, when some Vulkan driver printed while another gave the
 * adapter, only the drivers that give an adapter (VK_DRIVER_FILES).
 *
 * Cache folder: $SLT_CACHE_DIR, else $XDG_CACHE_HOME/slt-workbench, else
 * ~/.cache/slt-workbench (the OS temp folder when none is writable); one small JSON file per
 * key, `webgpu-probe-<hash>.json`. Deleting it is always safe; `slt info` probes afresh.
 */
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What Dawn said about the adapter it would use. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (SwiftShader, lavapipe): Dawn's `isFallbackAdapter`. */
  fallback: boolean;
}

/** Whether WebGPU can run here, and why (or why not), in words for `slt info`. */
export interface WebgpuStatus {
  available: boolean;
  reason: string;
  adapter?: AdapterFacts;
  /** The first lines Dawn and the drivers printed during the probe, when they printed. */
  dawnOutput?: string;
  /**
   * `static`: decided without Dawn (no Vulkan loader, no package); `probe`: a child process
   * asked Dawn just now; `cache`: a probe's stored answer for the same key.
   */
  source: "static" | "probe" | "cache";
  /** When the child process asked Dawn (ISO time); absent for `static`. */
  probedAt?: string;
  /**
   * Vulkan driver files (ICD JSON) to restrict Dawn to in this process: the ones that give
   * an adapter, when others printed while being rejected. Absent: leave the driver list alone.
   */
  driverFiles?: string[];
}

/** Sent by the parent to the child (as its one argument, JSON). */
export interface ProbeRequest {
  /** Resolved path of the `webgpu` package's entry, so the child loads the same one. */
  webgpuEntry: string;
  /** Environment overrides that keep Dawn quiet (undefined = unset the variable). */
  quietEnv: Record<string, string | undefined>;
  /** The Vulkan driver files the loader would read, to try one by one when the whole set printed. */
  driverFiles: string[];
}

/** Sent by the child over IPC. */
export interface ProbeAnswer {
  adapter: AdapterFacts | null;
  /** Bytes Dawn and the drivers wrote to stdout/stderr in the first, full attempt. */
  printedBytes: number;
  /** Size of the output file after the full attempt: what follows is the one-driver attempts'. */
  outputEnd: number;
  /** Set when a restricted driver list gives the same adapter without printing. */
  quietDriverFiles?: string[];
  error?: string;
}

/** Bump when the meaning of a cached answer changes. */
const PROBE_FORMAT = 1;
const PROBE_TIMEOUT_MS = 30_000;
const EXCERPT_LINES = 6;
const EXCERPT_CHARS = 600;

/** Environment variables that change what the Vulkan loader, its layers or Dawn find. */
const KEY_ENV = [
  "VK_ICD_FILENAMES",
  "VK_DRIVER_FILES",
  "VK_ADD_DRIVER_FILES",
  "VK_LOADER_DRIVERS_SELECT",
  "VK_LOADER_DRIVERS_DISABLE",
  "VK_INSTANCE_LAYERS",
  "VK_LAYER_PATH",
  "VK_ADD_LAYER_PATH",
  "VK_LOADER_LAYERS_ENABLE",
  "VK_LOADER_LAYERS_DISABLE",
  "NODEVICE_SELECT",
  "MESA_VK_DEVICE_SELECT",
  "DRI_PRIME",
  "LD_LIBRARY_PATH",
  "XDG_CONFIG_HOME",
  "XDG_CONFIG_DIRS",
  "XDG_DATA_HOME",
  "XDG_DATA_DIRS",
] as const;

export interface ProbeKey {
  format: number;
  platform: string;
  arch: string;
  node: string;
  webgpu: string;
  env: Record<string, string>;
  /** [file, mtime ms, size] of every Vulkan driver (ICD) JSON the loader would read. */
  drivers: [string, number, number][];
  /** The same for the implicit layers, which load without being asked (and may print). */
  implicitLayers: [string, number, number][];
  /** mtime of the dynamic linker's cache: libvulkan installed or removed. */
  ldCache: number;
  /** GPU device nodes: a GPU passed into (or out of) a container. */
  devices: string[];
}

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v;
};

const splitPaths = (v: string | undefined) => (v ?? "").split(path.delimiter).filter(Boolean);

/** The folders the Vulkan loader searches for `sub` (icd.d, implicit_layer.d), in its order (Linux). */
function vulkanSearchDirs(sub: string): string[] {
  const home = os.homedir();
  const configHome = env("XDG_CONFIG_HOME") ?? path.join(home, ".config");
  const configDirs = splitPaths(env("XDG_CONFIG_DIRS") ?? "/etc/xdg");
  const dataHome = env("XDG_DATA_HOME") ?? path.join(home, ".local", "share");
  const dataDirs = splitPaths(env("XDG_DATA_DIRS") ?? "/usr/local/share:/usr/share");
  return [configHome, ...configDirs, "/etc", dataHome, ...dataDirs].map((d) => path.join(d, "vulkan", sub));
}

/** JSON files named by a loader path list: files as they are, folders by their *.json. */
function jsonFilesOf(entries: string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    let isDir = false;
    try {
      isDir = fs.statSync(entry).isDirectory();
    } catch {
      out.push(entry); // a missing file is still part of what the user asked for
      continue;
    }
    if (!isDir) out.push(entry);
    else for (const name of fs.readdirSync(entry).sort()) if (name.endsWith(".json")) out.push(path.join(entry, name));
  }
  return out;
}

/** The Vulkan driver files the loader would read here, honouring its override variables. */
export function vulkanDriverFiles(): string[] {
  const explicit = env("VK_DRIVER_FILES") ?? env("VK_ICD_FILENAMES");
  const base = explicit ? jsonFilesOf(splitPaths(explicit)) : jsonFilesOf(vulkanSearchDirs("icd.d").filter(isDir));
  return [...new Set([...base, ...jsonFilesOf(splitPaths(env("VK_ADD_DRIVER_FILES")))])];
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function fileFacts(files: string[]): [string, number, number][] {
  return files.map((f) => {
    try {
      const s = fs.statSync(f);
      return [f, s.mtimeMs, s.size];
    } catch {
      return [f, -1, -1];
    }
  });
}

function mtimeOf(p: string): number {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

function gpuDeviceNodes(): string[] {
  const out: string[] = [];
  try {
    for (const n of fs.readdirSync("/dev/dri")) out.push(`dri/${n}`);
  } catch {
    /* no DRM devices */
  }
  try {
    for (const n of fs.readdirSync("/dev")) if (n.startsWith("nvidia")) out.push(n);
  } catch {
    /* no /dev */
  }
  return out.sort();
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Everything that decides the probe's answer on this machine, now. */
export function webgpuProbeKey(): ProbeKey {
  const linux = process.platform === "linux";
  const setEnv: Record<string, string> = {};
  for (const name of KEY_ENV) {
    const v = env(name);
    if (v !== undefined) setEnv[name] = v;
  }
  return {
    format: PROBE_FORMAT,
    platform: process.platform,
    arch: process.arch,
    node: process.versions.node,
    webgpu: packageVersion("webgpu"),
    env: setEnv,
    drivers: linux ? fileFacts(vulkanDriverFiles()) : [],
    implicitLayers: linux ? fileFacts(jsonFilesOf(vulkanSearchDirs("implicit_layer.d").filter(isDir))) : [],
    ldCache: linux ? mtimeOf("/etc/ld.so.cache") : -1,
    devices: linux ? gpuDeviceNodes() : [],
  };
}

export function probeKeyHash(key: ProbeKey): string {
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 20);
}

/** The folder of the probe's cache (see the file comment), created on demand. */
export function probeCacheDir(): string {
  const candidates = [
    env("SLT_CACHE_DIR"),
    path.join(env("XDG_CACHE_HOME") ?? path.join(os.homedir(), ".cache"), "slt-workbench"),
    path.join(os.tmpdir(), `slt-workbench-${typeof process.getuid === "function" ? process.getuid() : "user"}`),
  ].filter((d): d is string => Boolean(d));
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      /* try the next */
    }
  }
  return os.tmpdir();
}

export function probeCacheFile(key: ProbeKey): string {
  return path.join(probeCacheDir(), `webgpu-probe-${probeKeyHash(key)}.json`);
}

interface CacheEntry {
  key: ProbeKey;
  status: WebgpuStatus;
}

function readCache(key: ProbeKey): WebgpuStatus | null {
  try {
    const entry = JSON.parse(fs.readFileSync(probeCacheFile(key), "utf8")) as CacheEntry;
    // The hash names the file; the stored key must match it in full.
    if (JSON.stringify(entry.key) !== JSON.stringify(key) || typeof entry.status?.available !== "boolean") return null;
    return { ...entry.status, source: "cache" };
  } catch {
    return null;
  }
}

function writeCache(key: ProbeKey, status: WebgpuStatus): void {
  const file = probeCacheFile(key);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ key, status } satisfies CacheEntry, null, 2)}\n`);
    fs.renameSync(tmp, file); // whole or not at all
  } catch {
    fs.rmSync(tmp, { force: true });
    /* a cache that cannot be written costs a probe next time, nothing else */
  }
}

/** Overrides that keep Mesa's device-select layer quiet, unless the user configured it. */
export function quietVulkanEnv(): Record<string, string | undefined> {
  if (env("NODEVICE_SELECT") !== undefined || env("MESA_VK_DEVICE_SELECT") !== undefined) return {};
  return { NODEVICE_SELECT: "1" };
}

/** Whether the dynamic linker can find libvulkan.so.1: in its cache or in LD_LIBRARY_PATH. */
function vulkanLoaderPresent(): boolean {
  const lib = "libvulkan.so.1";
  try {
    if (fs.readFileSync("/etc/ld.so.cache").includes(lib)) return true;
  } catch {
    /* no cache: look in LD_LIBRARY_PATH only */
  }
  return splitPaths(process.env.LD_LIBRARY_PATH).some((dir) => fs.existsSync(path.join(dir, lib)));
}

function tryResolve(name: string): string | null {
  try {
    return require.resolve(name);
  } catch {
    return null;
  }
}

/** The answer that needs no Dawn at all, or null when Dawn must be asked. */
function staticAnswer(): WebgpuStatus | null {
  if (process.platform === "linux" && !vulkanLoaderPresent())
    return {
      available: false,
      source: "static",
      reason: "no Vulkan loader (libvulkan.so.1, Debian package libvulkan1), which Dawn (npm webgpu) needs on Linux to reach a GPU",
    };
  if (!tryResolve("webgpu"))
    return { available: false, source: "static", reason: "the optional npm package `webgpu` is not installed (npm install webgpu)" };
  if (!tryResolve("@tensorflow/tfjs-backend-webgpu"))
    return { available: false, source: "static", reason: "the optional npm package @tensorflow/tfjs-backend-webgpu is not installed" };
  return null;
}

export function describeAdapter(a: AdapterFacts): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(" ") || "unnamed";
}

function excerpt(output: string): string | undefined {
  const lines = output
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  if (!lines.length) return undefined;
  const kept = lines.slice(0, EXCERPT_LINES).join("\n");
  const cut = kept.length > EXCERPT_CHARS ? `${kept.slice(0, EXCERPT_CHARS)}…` : kept;
  return lines.length > EXCERPT_LINES ? `${cut}\n… (${lines.length - EXCERPT_LINES} more lines)` : cut;
}

/** Run the child, its output into a temporary file; resolves with its answer (or why there is none) and that output. */
function runChild(request: ProbeRequest): Promise<{ answer: ProbeAnswer | null; failure: string | null; output: string }> {
  const outFile = path.join(os.tmpdir(), `slt-webgpu-probe-${process.pid}-${Date.now()}.log`);
  const fd = fs.openSync(outFile, "w+");
  return new Promise((resolve) => {
    let answer: ProbeAnswer | null = null;
    let settled = false;
    const child = fork(path.join(__dirname, "webgpu-probe-child.js"), [JSON.stringify(request)], {
      stdio: ["ignore", fd, fd, "ipc"],
      execArgv: [],
      env: process.env,
    });
    const timer = setTimeout(() => finish(`the probe process did not answer within ${PROBE_TIMEOUT_MS / 1000} s`, true), PROBE_TIMEOUT_MS);
    const finish = (failure: string | null, kill = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (kill && child.exitCode === null) child.kill("SIGKILL");
      let output = "";
      try {
        output = fs.readFileSync(outFile, "utf8");
      } catch {
        /* nothing printed */
      }
      fs.closeSync(fd);
      fs.rmSync(outFile, { force: true });
      resolve({ answer, failure: answer ? null : failure, output });
    };
    child.on("message", (m) => {
      answer = m as ProbeAnswer;
    });
    child.on("error", (e) => finish(`the probe process could not start: ${e.message}`));
    child.on("exit", (code, signal) =>
      finish(
        signal
          ? `the probe process was killed by ${signal} (a crash in Dawn or a Vulkan driver)`
          : `the probe process exited with code ${code}`,
      ),
    );
  });
}

async function askDawn(): Promise<WebgpuStatus> {
  const request: ProbeRequest = {
    webgpuEntry: tryResolve("webgpu") ?? "webgpu",
    quietEnv: quietVulkanEnv(),
    driverFiles: process.platform === "linux" ? vulkanDriverFiles() : [],
  };
  const { answer, failure, output } = await runChild(request);
  // What the user's set-up prints, without the one-driver attempts that followed it.
  const said = excerpt(answer ? Buffer.from(output).subarray(0, answer.outputEnd).toString() : output);
  const base = { source: "probe" as const, probedAt: new Date().toISOString(), ...(said ? { dawnOutput: said } : {}) };
  if (!answer) return { ...base, available: false, reason: `Dawn (npm webgpu) could not be asked: ${failure}` };
  if (answer.error) return { ...base, available: false, reason: `Dawn (npm webgpu) failed to start: ${answer.error}` };
  if (!answer.adapter)
    return {
      ...base,
      available: false,
      reason:
        "no GPU adapter: Dawn (npm webgpu) found no usable GPU" +
        (said ? "" : " (on Linux it needs the Vulkan loader libvulkan.so.1, e.g. Debian's libvulkan1, and a GPU driver)"),
    };
  return {
    ...base,
    available: true,
    adapter: answer.adapter,
    reason: `adapter ${describeAdapter(answer.adapter)}${answer.adapter.fallback ? " (a CPU implementation of Vulkan: `auto` skips it, `--backend webgpu` uses it)" : ""}`,
    ...(answer.quietDriverFiles ? { driverFiles: answer.quietDriverFiles } : {}),
  };
}

const answered = new Map<string, WebgpuStatus>();
let latest: WebgpuStatus | null = null;

/**
 * Whether Dawn finds a WebGPU adapter here. Never loads Dawn in this process and never
 * throws: the status says what is missing. Kept per process and cached on disk by key;
 * `refresh` asks Dawn again (in a child process) and replaces the cached answer.
 */
export async function probeWebgpu(options: { refresh?: boolean } = {}): Promise<WebgpuStatus> {
  const fixed = staticAnswer();
  if (fixed) return (latest = fixed);
  const key = webgpuProbeKey();
  const hash = probeKeyHash(key);
  if (!options.refresh) {
    const known = answered.get(hash) ?? readCache(key);
    if (known) {
      answered.set(hash, known);
      return (latest = known);
    }
  }
  const status = await askDawn();
  writeCache(key, status);
  answered.set(hash, status);
  return (latest = status);
}

/** The last answer of probeWebgpu in this process, or null before the first. */
export function lastWebgpuProbe(): WebgpuStatus | null {
  return latest;
}

interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: string;
  }): Promise<{ info?: Partial<AdapterFacts> & { isFallbackAdapter?: boolean } } | null>;
}
interface WebgpuPackage {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Set `overrides` (undefined = unset), run `fn`, put the environment back (also used by webgpu-probe-child.ts). */
export async function withEnv<T>(overrides: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  const set = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(overrides);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

let dawnStarted: AdapterFacts | null = null;

/**
 * Create Dawn's GPU in this process and make it `navigator.gpu` for tfjs-backend-webgpu. Call
 * only after probeWebgpu said an adapter exists, and only when WebGPU will run: it enumerates
 * the devices in the environment the probe found quiet, then puts the environment back (Dawn
 * keeps the devices it found). Throws when the adapter is gone.
 */
export async function createDawnGpu(status: WebgpuStatus): Promise<AdapterFacts> {
  if (dawnStarted) return dawnStarted;
  if (!status.available || !status.adapter) throw new Error(`no WebGPU adapter: ${status.reason}`);
  const overrides: Record<string, string | undefined> = { ...quietVulkanEnv() };
  if (status.driverFiles) {
    overrides.VK_DRIVER_FILES = status.driverFiles.join(path.delimiter);
    overrides.VK_ICD_FILENAMES = undefined;
    overrides.VK_ADD_DRIVER_FILES = undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dawn = require("webgpu") as WebgpuPackage;
  let gpu: GpuLike | null = null;
  const adapter = await withEnv(overrides, () => {
    gpu = dawn.create([]);
    return gpu.requestAdapter({ powerPreference: "high-performance" });
  });
  if (!adapter) throw new Error("Dawn found no adapter in this process, although the probe did (a driver changed? run `slt info`)");
  Object.assign(globalThis, dawn.globals);
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
  dawnStarted = adapterFacts(adapter.info ?? {});
  return dawnStarted;
}

export function adapterFacts(info: Partial<AdapterFacts> & { isFallbackAdapter?: boolean }): AdapterFacts {
  return {
    vendor: String(info.vendor ?? ""),
    architecture: String(info.architecture ?? ""),
    device: String(info.device ?? ""),
    description: String(info.description ?? ""),
    fallback: Boolean(info.isFallbackAdapter),
  };
}
