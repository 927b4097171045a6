/**
 * The WebGPU probe's child process (forked by webgpu-probe.ts, never imported): loads Dawn,
 * asks it for an adapter and answers over IPC. Its stdout and stderr are a file the parent
 * reads, so nothing Dawn or a Vulkan driver prints reaches a terminal; that file's size before
 * and after each attempt says which attempt printed. When the full driver set printed but
 * gave an adapter, each driver is tried alone, and the set of those giving an adapter is
 * checked to give the same adapter quietly: the parent then starts Dawn with that set only.
 */
import * as fs from "node:fs";
import { type AdapterFacts, adapterFacts, type ProbeAnswer, type ProbeRequest, withEnv } from "./webgpu-probe";

interface Attempt {
  adapter: AdapterFacts | null;
  printedBytes: number;
}

interface DawnPackage {
  create(options: string[]): {
    requestAdapter(o?: { powerPreference?: string }): Promise<{ info?: Partial<AdapterFacts> & { isFallbackAdapter?: boolean } } | null>;
  };
}

const outputBytes = () => fs.fstatSync(2).size;

/** One Dawn instance in the environment with `overrides` (undefined = unset); the Vulkan loader reads it per instance. */
async function attempt(dawn: DawnPackage, overrides: Record<string, string | undefined>): Promise<Attempt> {
  return withEnv(overrides, async () => {
    const before = outputBytes();
    const adapter = await dawn.create([]).requestAdapter({ powerPreference: "high-performance" });
    return { adapter: adapter ? adapterFacts(adapter.info ?? {}) : null, printedBytes: outputBytes() - before };
  });
}

const sameAdapter = (a: AdapterFacts | null, b: AdapterFacts | null) => JSON.stringify(a) === JSON.stringify(b);

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as ProbeRequest;
  const send = (a: ProbeAnswer) => new Promise<void>((resolve) => process.send?.(a, () => resolve()));
  let dawn: DawnPackage;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require(request.webgpuEntry) as DawnPackage;
  } catch (e) {
    await send({
      adapter: null,
      printedBytes: 0,
      outputEnd: outputBytes(),
      error: `cannot load the npm package webgpu: ${(e as Error).message}`,
    });
    return;
  }
  const full = await attempt(dawn, request.quietEnv);
  const answer: ProbeAnswer = { adapter: full.adapter, printedBytes: full.printedBytes, outputEnd: outputBytes() };
  if (full.adapter && full.printedBytes > 0 && request.driverFiles.length > 1) {
    const alone = { VK_ICD_FILENAMES: undefined, VK_ADD_DRIVER_FILES: undefined };
    const giving: string[] = [];
    for (const file of request.driverFiles) {
      const one = await attempt(dawn, { ...request.quietEnv, ...alone, VK_DRIVER_FILES: file });
      if (one.adapter) giving.push(file);
    }
    if (giving.length && giving.length < request.driverFiles.length) {
      const check = await attempt(dawn, { ...request.quietEnv, ...alone, VK_DRIVER_FILES: giving.join(":") });
      if (check.printedBytes === 0 && sameAdapter(check.adapter, full.adapter)) answer.quietDriverFiles = giving;
    }
  }
  await send(answer);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`probe failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
