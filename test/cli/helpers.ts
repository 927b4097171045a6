/** Shared pieces of the CLI tests. Not a test file itself. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

// This file compiles to <out>/test/cli/; the CLI to <out>/src/cli/main.js (dist/ in CI, .build/<name>/ locally).
export const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The compiled `slt`, run from `cwd` with its store at `store`: run from a scratch folder
 * with the store there, so nothing lands in the checkout.
 */
export function sltIn(cwd: string, store: string): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, SLT_STORE: store },
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms until it holds or `timeoutMs` passed; whether it holds in the end. */
export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}
