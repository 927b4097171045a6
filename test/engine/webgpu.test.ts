/**
 * The WebGPU probe: asked in a child process (so nothing Dawn or a Vulkan driver prints
 * reaches the terminal), cached on disk by what decides its answer, and silent in every
 * `slt` command. The "not available" path is made certain on any machine by pointing the
 * Vulkan loader at a driver file that does not exist; the SwiftShader checks run where
 * Debian's chromium ships its Vulkan ICD, and are skipped with the reason elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SltError } from "../../src/errors";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const LAVAPIPE_ICD = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
const CLI = path.resolve(__dirname, "..", "..", "src", "cli", "main.js");
const PROBE_MODULE = path.resolve(__dirname, "..", "..", "src", "engine", "webgpu-probe.js");

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-probe-cache-"));
process.env.SLT_CACHE_DIR = cacheDir;
process.on("exit", () => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** A driver file list that gives no adapter: a fake ICD naming a library that does not exist. */
function fakeDriver(dir: string): string {
  const file = path.join(dir, "fake_icd.json");
  fs.writeFileSync(
    file,
    JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: path.join(dir, "libnothing.so"), api_version: "1.3.0" } }),
  );
  return file;
}

/** Probe in a fresh node process (nothing kept from this one), with `env` added; its status. */
function probeInFreshProcess(env: Record<string, string>): {
  status: { available: boolean; reason: string; source: string };
  stderr: string;
} {
  const res = spawnSync(
    process.execPath,
    ["-e", `require(${JSON.stringify(PROBE_MODULE)}).probeWebgpu().then((s) => process.stdout.write(JSON.stringify(s)))`],
    { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 },
  );
  assert.equal(res.status, 0, res.stderr);
  return { status: JSON.parse(res.stdout), stderr: res.stderr };
}

test("without a usable adapter: not available, with the reason; auto takes the next backend; webgpu asked for is one clear error", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-probe-"));
  process.env.VK_DRIVER_FILES = fakeDriver(dir);
  try {
    const { BACKEND_ORDER, availableBackends, initBackend, probeWebgpu } = await import("../../src/engine/backend");
    const status = await probeWebgpu();
    assert.equal(status.available, false);
    assert.match(status.reason, /Vulkan loader|no GPU adapter|`webgpu` is not installed/);
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
  } finally {
    delete process.env.VK_DRIVER_FILES;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the probe's answer is cached by key: a second process asks no Dawn, a changed driver file or Vulkan variable asks again", async (t) => {
  const probe = await import("../../src/engine/webgpu-probe");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-probe-"));
  try {
    const driver = fakeDriver(dir);
    const env = { VK_DRIVER_FILES: driver, SLT_CACHE_DIR: cacheDir };
    const first = probeInFreshProcess(env).status;
    if (first.source === "static") {
      t.skip(`decided without Dawn here (${first.reason}): nothing to cache`);
      return;
    }
    assert.equal(first.source, "probe");
    assert.equal(first.available, false);

    // Plant an answer no probe would give under the key; a process that still asked Dawn would not return it.
    process.env.VK_DRIVER_FILES = driver;
    const key = probe.webgpuProbeKey();
    delete process.env.VK_DRIVER_FILES;
    const file = probe.probeCacheFile(key);
    assert.ok(fs.existsSync(file), `the first probe wrote ${file}`);
    const entry = JSON.parse(fs.readFileSync(file, "utf8"));
    entry.status.reason = "planted by the test";
    fs.writeFileSync(file, JSON.stringify(entry));
    const second = probeInFreshProcess(env).status;
    assert.equal(second.source, "cache");
    assert.equal(second.reason, "planted by the test");

    // The key holds the driver file's mtime and the Vulkan variables: either change asks Dawn again.
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(driver, later, later);
    const third = probeInFreshProcess(env).status;
    assert.equal(third.source, "probe");
    assert.notEqual(third.reason, "planted by the test");
    const fourth = probeInFreshProcess({ ...env, NODEVICE_SELECT: "1" }).status;
    assert.equal(fourth.source, "probe");
    assert.equal(probeInFreshProcess({ ...env, NODEVICE_SELECT: "1" }).status.source, "cache");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("slt info on this machine's own Vulkan set-up: says why WebGPU is or is not available, and stderr has no line from Dawn or a driver", () => {
  const res = spawnSync(process.execPath, [CLI, "info"], {
    encoding: "utf8",
    env: { ...process.env, SLT_CACHE_DIR: cacheDir },
    timeout: 120_000,
  });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr, "");
  assert.match(res.stdout, /^webgpu: +(available: adapter|not available: .+)/m);
});

test("SwiftShader (with lavapipe beside it when installed): found by the probe, started in-process by --backend webgpu without a line on stderr, skipped by auto", (t) => {
  if (!fs.existsSync(SWIFTSHADER_ICD)) {
    t.skip(`no SwiftShader Vulkan ICD at ${SWIFTSHADER_ICD} (Debian's chromium package installs it)`);
    return;
  }
  // lavapipe is rejected by Dawn after printing a warning: the probe must keep it out of this process.
  const drivers = [SWIFTSHADER_ICD, ...(fs.existsSync(LAVAPIPE_ICD) ? [LAVAPIPE_ICD] : [])];
  const env = { ...process.env, SLT_CACHE_DIR: cacheDir, VK_ICD_FILENAMES: drivers.join(":") };
  for (const backend of ["webgpu", "auto"]) {
    const res = spawnSync(process.execPath, [CLI, "info", "--backend", backend], { encoding: "utf8", env, timeout: 120_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stderr, "", `slt info --backend ${backend} printed on stderr`);
    assert.match(res.stdout, /^webgpu: +available: adapter google swiftshader/m);
    if (backend === "webgpu") assert.match(res.stdout, /^backend that runs: +webgpu .* on google swiftshader/m);
    else assert.doesNotMatch(res.stdout, /^backend that runs: +webgpu/m, "auto skips a CPU implementation of Vulkan");
    if (drivers.length > 1)
      assert.match(res.stdout, /Dawn gets only the Vulkan driver\(s\) giving that adapter: .*vk_swiftshader_icd\.json$/m);
  }
});
