/**
 * Training on WebGPU end to end, on a real Vulkan device: SwiftShader (Vulkan on the CPU,
 * shipped by Debian's chromium package), chosen for the child processes only through
 * VK_ICD_FILENAMES. Tiny models on the synthetic set (SwiftShader is slow). Checks: every
 * training variant trains on webgpu and records backend and adapter; masks taken on the
 * device equal the JavaScript path's for the same scores; final metrics within a stated
 * tolerance of the same config on wasm; no read during a step and no tensor left behind
 * per epoch; a run killed (SIGKILL) after a checkpoint resumes on webgpu to the metrics of
 * an uninterrupted webgpu run. Skipped, with the reason, where SwiftShader or the WebGPU
 * packages are missing.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunConfigInput } from "../../src/experiments/config";
import type { StoredRun } from "../../src/experiments/store";
import { pruningStrategies } from "../../src/iep/pruning";
import { rewindStrategies } from "../../src/iep/rewind";
import { initBackend } from "../../src/engine/backend";
import { TINY_LENET } from "../experiments/tiny-lenet";
import { MASK_CASES, type RunnerOutput, type RunnerSpec, masksOf } from "./webgpu-runner";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const RUNNER = path.join(__dirname, "webgpu-runner.js");
const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");

function skipReason(): string | false {
  if (!fs.existsSync(SWIFTSHADER_ICD)) return `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (Debian package chromium)`;
  for (const pkg of ["webgpu", "@tensorflow/tfjs-backend-webgpu"]) {
    try {
      require.resolve(pkg);
    } catch {
      return `the optional npm package ${pkg} is not installed`;
    }
  }
  return false;
}
const skip = skipReason();

/** The tiny LeNet (2 steps an epoch) at 30 % kept. */
const base: RunConfigInput = { ...TINY_LENET, keepFraction: 0.3, lr: 0.1 };

const configs: { name: string; config: RunConfigInput }[] = [
  { name: "EP", config: { ...base, method: "ep" } },
  { name: "EP, global top-k", config: { ...base, method: "ep", globalTopK: true } },
  ...Object.keys(pruningStrategies).flatMap((pruning) =>
    Object.keys(rewindStrategies).map((rewind) => ({
      name: `iEP ${pruning}, rewind ${rewind}`,
      config: { ...base, method: "iep" as const, iep: { cycles: 2, epochsPerCycle: 1, pruning, rewind } },
    })),
  ),
  { name: "EP + IteRand", config: { ...base, method: "ep", iterand: { period: 2, rate: 0.3 } } },
  { name: "EP + sign flips", config: { ...base, method: "ep", signFlip: { period: 2, rate: 0.3 } } },
  { name: "weights baseline", config: { ...base, method: "weights", weightInit: "kaiming-normal", lr: 0.01 } },
];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-webgpu-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
/** SwiftShader for the children only; this process's environment is left as it is. */
const childEnv = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };

function finished(child: ChildProcess, what: string): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${what} ended with ${signal ?? `exit code ${code}`}: ${stderr.slice(-2000)}`)),
    );
  });
}

async function runBatch(spec: RunnerSpec): Promise<RunnerOutput> {
  const specFile = path.join(scratch, `${spec.backend}-spec.json`);
  const outFile = path.join(scratch, `${spec.backend}-out.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [RUNNER, specFile, outFile], { env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  await finished(child, `the ${spec.backend} runner`);
  return JSON.parse(fs.readFileSync(outFile, "utf8")) as RunnerOutput;
}

function findFile(dir: string, name: string): string | null {
  if (!fs.existsSync(dir)) return null;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return null;
}

/** `slt run` of `config` on webgpu, SIGKILLed as soon as its first checkpoint is written; then `slt run` again, which resumes. */
async function killAndResume(config: RunConfigInput): Promise<{ resumed: StoredRun; killedAfterCheckpoint: boolean }> {
  const store = path.join(scratch, "kill-resume");
  const configFile = path.join(scratch, "kill-resume.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...config, backend: "webgpu" }));
  const args = [CLI, "--store", store, "run", "--json", "--config", configFile];
  const first = spawn(process.execPath, args, { env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<string>((resolve) => first.on("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  let killedAfterCheckpoint = false;
  while (first.exitCode === null && first.signalCode === null) {
    if (findFile(store, "checkpoint.bin")) {
      killedAfterCheckpoint = first.kill("SIGKILL");
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const how = await exited;
  killedAfterCheckpoint &&= how === "SIGKILL";
  const second = spawn(process.execPath, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  second.stdout?.on("data", (d) => (stdout += d));
  await finished(second, "the resumed slt run");
  return { resumed: JSON.parse(stdout) as StoredRun, killedAfterCheckpoint };
}

// Started once, together (SwiftShader and wasm use the cores while the other waits); each test awaits its part.
const started = skip
  ? null
  : {
      webgpu: runBatch({
        backend: "webgpu",
        store: path.join(scratch, "webgpu"),
        configs,
        masks: true,
        watched: { ...base, method: "ep", epochs: 3 },
      }),
      wasm: runBatch({ backend: "wasm", store: path.join(scratch, "wasm"), configs, masks: false, watched: null }),
      killResume: killAndResume(configs[0].config),
    };
// A failure is reported by the test that awaits it.
for (const p of Object.values(started ?? {})) (p as Promise<unknown>).catch(() => undefined);

/** A result without wall times, which differ between any two runs. */
function withoutTimes(m: unknown): unknown {
  return JSON.parse(JSON.stringify(m, (k, v) => (k === "seconds" ? undefined : v)));
}

test("every variant trains on webgpu (SwiftShader) and its stored run records backend webgpu and the adapter", { skip }, async () => {
  const { runs } = await started!.webgpu;
  assert.deepEqual(
    Object.keys(runs),
    configs.map((c) => c.name),
  );
  for (const [name, run] of Object.entries(runs)) {
    assert.equal(run.backend.name, "webgpu", name);
    assert.match(run.backend.adapter ?? "", /swiftshader/i, `${name}: adapter ${run.backend.adapter}`);
    assert.equal(run.config.backend, "webgpu");
    assert.equal(run.result.epochs.length, 2, name);
  }
});

test(
  "on webgpu, masks taken on the device equal the JavaScript path's (here, on cpu) for the same scores: same count, ties to the lowest index, dead edges never",
  { skip },
  async () => {
    const { masks } = await started!.webgpu;
    assert.equal(masks.length, MASK_CASES.length);
    await initBackend("cpu");
    for (const m of masks) {
      const what = `${m.globalTopK ? "global" : "per-layer"} top-k, keep ${m.keepFraction}`;
      const js = await masksOf(m.globalTopK, m.keepFraction, false);
      assert.ok(js.flat().includes(0) && js.flat().includes(1), what);
      assert.deepEqual(m.device, js, what);
    }
  },
);

test(
  "on webgpu, no read during a training step (reads only at the epoch's end), and no tensor left behind from one epoch to the next",
  { skip },
  async () => {
    const watched = (await started!.webgpu).watched!;
    assert.equal(watched.epochs, 3);
    assert.equal(watched.readsPerStep.length, 3 * 2 - 1);
    assert.deepEqual(
      watched.readsPerStep.filter((n) => n !== 0),
      [],
      "reads during steps",
    );
    // The counter does see the epoch's reads: the sums and the evaluation.
    assert.ok(
      watched.readsPerEpochEnd.every((n) => n > 0),
      `reads at each epoch's end: ${watched.readsPerEpochEnd.join(",")}`,
    );
    assert.deepEqual(
      watched.tensorsAtEpochEnd,
      watched.tensorsAtEpochEnd.map(() => watched.tensorsAtEpochEnd[0]),
      "tensors at each epoch's end",
    );
  },
);

/**
 * Tolerance against wasm. The masks are exact functions of the scores (test above), but
 * the scores are not bit-equal: WebGPU sums a matmul or a reduction in another order than
 * XNNPACK, so values differ in their last bits (float32: about 1e-7 relative per sum). A
 * loss sums a few hundred such terms: 1e-4 relative leaves a 10× margin over that. An
 * edge whose score lies within that rounding of the top-k threshold can be swapped; over
 * these 4 steps that is rare (when this was written every accuracy, dying ratio and
 * turnover was equal and losses differed by at most 3e-7), so a swap of a few edges is
 * allowed: 0.5% of the 2320 edges for the dying ratio and turnover, 1 of the 64 test
 * images for accuracy. The kept fraction is an exact count and must be equal.
 */
const TOLERANCE = { edges: 0.005, accuracy: 1 / 64, lossRelative: 1e-4 };

test(
  "final metrics on webgpu match the same config on wasm: kept fraction exactly, accuracy, dying ratio, turnover and losses within the stated tolerance",
  { skip },
  async () => {
    const [gpu, cpu] = [await started!.webgpu, await started!.wasm];
    for (const { name } of configs) {
      const g = gpu.runs[name];
      const w = cpu.runs[name];
      assert.equal(w.backend.name, "wasm");
      assert.deepEqual({ ...g.config, backend: "wasm" }, w.config, `${name}: the same config but the backend`);
      const [gf, wf] = [g.result.final, w.result.final];
      assert.equal(gf.keptFraction, wf.keptFraction, `${name}: kept fraction`);
      assert.ok(
        Math.abs(gf.testAccuracy - wf.testAccuracy) <= TOLERANCE.accuracy,
        `${name}: test accuracy ${gf.testAccuracy} vs ${wf.testAccuracy}`,
      );
      for (const k of ["dyingRatio", "turnover"] as const) {
        assert.equal(gf[k] === null, wf[k] === null, `${name}: ${k} present on both`);
        if (gf[k] !== null) assert.ok(Math.abs(gf[k]! - wf[k]!) <= TOLERANCE.edges, `${name}: ${k} ${gf[k]} vs ${wf[k]}`);
      }
      g.result.epochs.forEach((e, i) => {
        const we = w.result.epochs[i];
        for (const k of ["trainLoss", "testLoss"] as const)
          assert.ok(
            Math.abs(e[k] - we[k]) <= TOLERANCE.lossRelative * Math.abs(we[k]),
            `${name}, epoch ${i + 1}: ${k} ${e[k]} vs ${we[k]}`,
          );
      });
    }
  },
);

test(
  "a webgpu run killed (SIGKILL) after its first checkpoint resumes on webgpu to the metrics of an uninterrupted webgpu run",
  { skip },
  async () => {
    const [{ resumed, killedAfterCheckpoint }, gpu] = [await started!.killResume, await started!.webgpu];
    assert.ok(killedAfterCheckpoint, "the first process was killed after writing a checkpoint");
    assert.equal(resumed.timings.resumedFromEpoch, 1);
    assert.equal(resumed.backend.name, "webgpu");
    const uninterrupted = gpu.runs[configs[0].name];
    assert.equal(resumed.id, uninterrupted.id);
    assert.deepEqual(withoutTimes(resumed.result), withoutTimes(uninterrupted.result));
  },
);
