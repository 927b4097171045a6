/**
 * Runs the PyTorch reference (bench/pytorch_ep.py) as a subprocess with the system
 * interpreter, so its numbers come from the same bench run and the same machine load.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { mnistPackageDir } from "../src/data/mnist";

export const PYTHON = "/usr/bin/python3";

/** The script stays in the source tree; the compiled bench sits some folders below the repo root (dist/bench/). */
function findScript(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "bench", "pytorch_ep.py");
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, "..", "..", "bench", "pytorch_ep.py");
}

export const PYTORCH_SCRIPT = findScript();

export type PytorchVariant = "sort" | "kthvalue";

export interface PytorchResult {
  imgPerS: number;
  engine: string;
  threads: number;
  procs: number;
  steps: number;
  torch: string;
  /** Where it ran: "cpu", or "cuda: <device name>". */
  device: string;
}

/** Why PyTorch cannot run here, or null when it can. */
export function pytorchUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 120_000 });
  if (probe.error) return `${PYTHON} could not start (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} -c 'import torch' failed: ${(probe.stderr || "").trim().split("\n").pop()}`;
  return null;
}

/** Why PyTorch cannot train on CUDA here, or null when it can. */
export function pytorchCudaUnavailable(): string | null {
  const noTorch = pytorchUnavailable();
  if (noTorch) return noTorch;
  const probe = spawnSync(PYTHON, ["-c", "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 4)"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (probe.status === 4) return `PyTorch ${PYTHON} imports, but torch.cuda.is_available() is False (a CPU-only build, or no CUDA driver)`;
  if (probe.status !== 0) return `${PYTHON} could not check CUDA: ${(probe.stderr || "").trim().split("\n").pop()}`;
  return null;
}

export interface PytorchRun {
  model: string;
  variant: PytorchVariant;
  steps: number;
  warmup: number;
  batch: number;
  keep: number;
  threads: number;
  procs: number;
  /** mnist (the files the workbench reads; default) or cifar (32×32×3, 10 classes, random, generated on the device). */
  input?: "mnist" | "cifar";
  device?: "cpu" | "cuda";
  /** Scales every hidden width, as the workbench's widthMultiplier (default 1). */
  widthMultiplier?: number;
}

/** Run the script once; throws with the script's own message when it fails. */
export function runPytorch(r: PytorchRun): PytorchResult {
  const args = [
    PYTORCH_SCRIPT,
    "--model",
    r.model,
    "--variant",
    r.variant,
    "--steps",
    String(r.steps),
    "--warmup",
    String(r.warmup),
    "--batch",
    String(r.batch),
    "--keep",
    String(r.keep),
    "--threads",
    String(r.threads),
    "--procs",
    String(r.procs),
    "--json",
    "--input",
    r.input ?? "mnist",
    "--device",
    r.device ?? "cpu",
    "--width",
    String(r.widthMultiplier ?? 1),
    // The MNIST files the workbench reads, wherever this checkout is.
    "--data",
    mnistPackageDir(),
  ];
  const res = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 16 << 20 });
  if (res.error) throw new Error(`pytorch_ep.py could not start: ${res.error.message}`);
  const lines = (res.stdout || "")
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"));
  const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) : null;
  if (res.status !== 0 || !last || typeof last.img_per_s_median !== "number") {
    const why = last && typeof last.error === "string" ? last.error : (res.stderr || res.stdout || "").trim().slice(-500);
    throw new Error(`pytorch_ep.py ${args.slice(1).join(" ")} failed (exit ${res.status}): ${why}`);
  }
  return {
    imgPerS: last.img_per_s_median,
    engine: String(last.engine),
    threads: Number(last.threads),
    procs: Number(last.procs),
    steps: Number(last.steps),
    torch: String(last.torch),
    device: String(last.device ?? "cpu"),
  };
}
