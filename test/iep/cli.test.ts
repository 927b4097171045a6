/**
 * Every iEP and IteRand variant reaches the run config from the command line and from a
 * JSON config file, and `slt show` prints the per-cycle table of an iEP run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main";
import { pruningStrategies } from "../../src/iep/pruning";
import { rewindStrategies } from "../../src/iep/rewind";
import { type RunConfig, parseRunConfig, runId } from "../../src/experiments/config";

async function slt(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["node", "slt", ...args]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

async function dryRun(...args: string[]): Promise<RunConfig> {
  const r = await slt("run", "--dry-run", ...args);
  assert.equal(r.code, 0, r.err);
  const { id, config } = JSON.parse(r.out) as { id: string; config: RunConfig };
  assert.equal(id, runId(config));
  return config;
}

const schedules: Record<string, string[]> = {
  geometric: ["--iep-schedule", "geometric"],
  linear: ["--iep-schedule", "linear"],
  list: ["--iep-schedule", "list", "--iep-keep-fractions", "0.5,0.3,0.1,0.05"],
  // 0.4^3 > 0.05 ≥ 0.4^4: K = 4, as --iep-cycles below.
  "fixed-share": ["--iep-schedule", "fixed-share", "--iep-prune-share", "0.6"],
};

test("every pruning × rewind × schedule variant is reachable from the command line", async () => {
  for (const pruning of Object.keys(pruningStrategies))
    for (const rewind of Object.keys(rewindStrategies))
      for (const [schedule, flags] of Object.entries(schedules)) {
        const c = await dryRun(
          "--method",
          "iep",
          "--keep-fraction",
          "0.05",
          "--iep-cycles",
          "4",
          "--iep-epochs-per-cycle",
          "3",
          "--iep-pruning",
          pruning,
          "--iep-rewind",
          rewind,
          ...flags,
          ...(rewind === "finetune" ? ["--iep-finetune-lr", "0.003"] : []),
        );
        assert.equal(c.method, "iep");
        assert.deepEqual(
          { ...c.iep },
          {
            cycles: 4,
            epochsPerCycle: 3,
            pruning,
            rewind,
            schedule,
            keepFractions: schedule === "list" ? [0.5, 0.3, 0.1, 0.05] : [],
            pruneShare: schedule === "fixed-share" ? 0.6 : 0.2,
            finetuneLr: rewind === "finetune" ? 0.003 : null,
          },
        );
        assert.equal(c.iterand, null);
      }
});

test("IteRand from the command line: --iterand alone takes the defaults, --iterand-period/--iterand-rate set it (and turn it on)", async () => {
  assert.deepEqual((await dryRun("--method", "iep", "--iterand")).iterand, { period: 300, rate: 0.1 });
  assert.deepEqual((await dryRun("--method", "iep", "--iterand", "--iterand-period", "50", "--iterand-rate", "0.3")).iterand, {
    period: 50,
    rate: 0.3,
  });
  assert.deepEqual((await dryRun("--method", "ep", "--iterand-rate", "0.25")).iterand, { period: 300, rate: 0.25 });
  const bad = await slt("run", "--dry-run", "--method", "weights", "--iterand");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /"iterand" = \{.*\}: applies to supermask training only\. Set it to null/);
});

test("sign flips from the command line: --sign-flip alone takes the defaults, --sign-flip-period/--sign-flip-rate set it; with IteRand too", async () => {
  assert.equal((await dryRun("--method", "ep")).signFlip, null);
  assert.deepEqual((await dryRun("--method", "ep", "--sign-flip")).signFlip, { period: 300, rate: 0.1 });
  const both = await dryRun("--method", "iep", "--iterand", "--sign-flip-period", "20", "--sign-flip-rate", "0.05");
  assert.deepEqual(both.signFlip, { period: 20, rate: 0.05 });
  assert.deepEqual(both.iterand, { period: 300, rate: 0.1 });
  const bad = await slt("run", "--dry-run", "--method", "weights", "--sign-flip");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /"signFlip" = \{.*\}: applies to supermask training only\. Set it to null/);
});

test("a JSON config file reaches every field; command-line options override it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slt-iep-cli-"));
  try {
    const file = path.join(dir, "iep.json");
    const json = {
      method: "iep",
      keepFraction: 0.05,
      iep: { cycles: 4, schedule: "list", keepFractions: [0.5, 0.25, 0.1, 0.05], epochsPerCycle: 1, pruning: "hard", rewind: "scores" },
      iterand: { period: 20, rate: 0.4 },
    };
    writeFileSync(file, JSON.stringify(json));
    assert.deepEqual(await dryRun("--config", file), parseRunConfig(json));
    const overridden = await dryRun("--config", file, "--iep-rewind", "finetune", "--iterand-rate", "0.05");
    assert.deepEqual(overridden.iep, { ...parseRunConfig(json).iep, rewind: "finetune" });
    assert.deepEqual(overridden.iterand, { period: 20, rate: 0.05 });
    // A nullable field takes "null" back to its default.
    writeFileSync(file, JSON.stringify({ ...json, iep: { ...json.iep, rewind: "finetune", finetuneLr: 0.004 } }));
    assert.equal((await dryRun("--config", file)).iep.finetuneLr, 0.004);
    assert.equal((await dryRun("--config", file, "--iep-finetune-lr", "null")).iep.finetuneLr, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("slt run trains an iEP run and slt show prints its per-cycle table", async () => {
  const store = mkdtempSync(path.join(os.tmpdir(), "slt-iep-store-"));
  try {
    const args = [
      "--dataset",
      "synthetic",
      "--limit-train",
      "256",
      "--limit-test",
      "200",
      "--width-multiplier",
      "0.1",
      "--batch-size",
      "32",
      "--backend",
      "cpu",
    ];
    const run = await slt(
      "--store",
      store,
      "run",
      ...args,
      "--method",
      "iep",
      "--keep-fraction",
      "0.125",
      "--iep-cycles",
      "3",
      "--iep-epochs-per-cycle",
      "1",
      "--iep-pruning",
      "hard",
      "--iep-rewind",
      "scores",
      "--iterand",
      "--iterand-period",
      "4",
      "--json",
    );
    assert.equal(run.code, 0, run.err);
    const stored = JSON.parse(run.out) as {
      id: string;
      result: { cycles: { cycle: number; removedFraction: number; swappedIn: number }[] };
    };
    assert.deepEqual(
      stored.result.cycles.map((c) => c.cycle),
      [1, 2, 3],
    );
    assert.equal(stored.result.cycles[0].removedFraction, 0);
    assert.ok(stored.result.cycles[2].removedFraction > 0.7);

    const show = await slt("--store", store, "show", stored.id.slice(0, 8));
    assert.equal(show.code, 0, show.err);
    const lines = show.out.split("\n");
    const header = lines.findIndex((l) =>
      /^cycle\s+keep\s+reached\s+cycle DR\s+cycle DR\+removed\s+run DR\s+turnover\s+swapped in\s+readmitted\s+readmitted ever\s+test/.test(
        l,
      ),
    );
    assert.ok(header >= 0, show.out);
    assert.deepEqual(
      lines.slice(header + 1, header + 4).map((l) => l.split(/\s+/)[0]),
      ["1", "2", "3"],
    );
    assert.match(lines[header + 1], /^1\s+0\.5000\s+0\.5000\s/);
    // Swapped in, readmitted, readmitted ever: cycle 1 has no earlier mask; hard pruning re-admits nothing.
    const mechanism = (row: string) => row.split(/\s+/).slice(7, 10);
    assert.deepEqual(mechanism(lines[header + 1]).slice(1), ["–", "–"]);
    for (const [i, c] of stored.result.cycles.entries()) assert.equal(mechanism(lines[header + 1 + i])[0], c.swappedIn.toFixed(4));
    for (const row of lines.slice(header + 2, header + 4)) assert.deepEqual(mechanism(row).slice(1), ["0.0000", "0.0000"]);
    assert.match(show.out, /readmitted 0\.0000/);
    // Per layer, removed edges count as dying, as in the run's dying ratio (not DR 0 among survivors).
    const layerHeader = lines.findIndex((l) => /^layer\s+edges\s+available\s+ever selected\s+dying\s+removed\s+DR\s+turnover$/.test(l));
    assert.ok(layerHeader >= 0, show.out);
    for (const row of lines.slice(layerHeader + 1, layerHeader + 4)) {
      const [, edges, available, , dying, removed, dr] = row.split(/\s+/);
      assert.equal(Number(removed), Number(edges) - Number(available));
      assert.equal(dr, ((Number(dying) + Number(removed)) / Number(edges)).toFixed(4));
      assert.ok(Number(dr) >= 0.74, row);
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});
