/**
 * A real full disk for the fault tests: a small tmpfs mounted for the test (root on Linux
 * only; elsewhere the tests say why they are skipped) and a filler file that takes every
 * free byte of it. Not a test file itself.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export interface SmallDisk {
  dir: string;
  /** Take all free space (the writes after this fail with ENOSPC from the kernel); returns the filler's path. */
  fill(): string;
  /** Give the space back. */
  free(): void;
  unmount(): void;
}

/** Why a tmpfs cannot be mounted here, or null if it can. */
export function tmpfsUnavailable(): string | null {
  if (process.platform !== "linux") return "a tmpfs needs Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (it runs as root in CI)";
  return null;
}

/** Mount a tmpfs of `bytes` at the (existing, empty) folder `dir`; a string says why it could not be. */
export function mountSmallDisk(dir: string, bytes: number): SmallDisk | string {
  const why = tmpfsUnavailable();
  if (why) return why;
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir], { encoding: "utf8" });
  if (r.error || r.status !== 0) return `mount -t tmpfs failed: ${r.error?.message ?? r.stderr.trim()}`;
  const filler = `${dir}/filler`;
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, "a");
      try {
        for (const size of [1 << 20, 1 << 16, 4096, 1]) {
          const chunk = Buffer.alloc(size, 1);
          for (;;) {
            try {
              fs.writeSync(fd, chunk);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
              throw e;
            }
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      return filler;
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      const u = spawnSync("umount", [dir]);
      if (u.status !== 0) spawnSync("umount", ["-l", dir]);
    },
  };
}
