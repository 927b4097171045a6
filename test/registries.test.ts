/**
 * Every registry, enumerated: each entry keeps its registry's contract, the config accepts
 * exactly the registry's names (an unknown one is a problem at its field listing them), and
 * `slt run --help` lists them. A new variant added with one file and one registry line is
 * tested here without editing this file.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { runConfigSchema } from "../src/config";
import { datasets } from "../src/data/registry";
import { initBackend } from "../src/engine/backend";
import { Rng } from "../src/engine/rng";
import { describeConfigFields, registryFields, validateRunConfig } from "../src/experiments/validate";
import { pruningStrategies } from "../src/iep/pruning";
import { rewindStrategies } from "../src/iep/rewind";
import { buildModel } from "../src/models/factory";
import { models } from "../src/models/registry";
import { Masker } from "../src/supermask/masker";
import { scoreInitDescriptions, scoreInits, weightInitDescriptions, weightInits } from "../src/supermask/init";
import { plugins } from "../src/train/plugins";
import { type BoundaryRecord, Recorder, ones, probeBoundaries, tinyConfig, tinyData } from "./iep/helpers";
import { modelRequest } from "./models/helpers";

/** Set a dotted field on a config input. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  const base: Record<string, unknown> = path.startsWith("iep.") ? { method: "iep" } : {};
  return { ...base, [head]: rest.length ? { [rest.join(".")]: value } : value };
}

test("the config accepts every registry name, rejects others with the names as the fix, and --help lists them", () => {
  const help = new Map(describeConfigFields().map((f) => [f.field, f.type]));
  for (const [field, registry] of Object.entries(registryFields)) {
    const names = Object.keys(registry.entries());
    assert.ok(names.length > 0, field);
    for (const name of names) {
      assert.ok(registry.entries()[name].trim().length > 0, `${field} ${name}: a one-line description`);
      const check = validateRunConfig(withField(field, name));
      assert.ok(check.ok, `${field} = ${name} should be valid: ${JSON.stringify(check)}`);
    }
    const bad = validateRunConfig(withField(field, "no-such-variant"));
    assert.ok(!bad.ok);
    const problem = bad.problems.find((p) => p.path === field);
    assert.ok(problem, `${field}: the problem names the field`);
    assert.equal(problem.value, "no-such-variant");
    for (const name of names) assert.ok(problem.fix.includes(name), `${field}: fix lists ${name}`);
    assert.deepEqual(help.get(field)?.split("|"), names, `--help lists the ${field} choices`);
  }
});

test("models: every entry builds from a model request and returns [batch, classes] logits", async () => {
  await initBackend("cpu");
  for (const [name, spec] of Object.entries(models)) {
    assert.equal(spec.name, name);
    assert.ok(spec.description.trim());
    const model = buildModel(modelRequest(name), [32, 32, 3], 10);
    new Masker(model.layers, { globalTopK: false, keepFraction: 0.5 }).refresh();
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const y = model.forward(x, false);
    assert.deepEqual(y.shape, [2, 10], name);
    tf.dispose([x, y]);
    model.dispose();
  }
});

test("data sets: every entry names itself, says what it is and where to get it", () => {
  for (const [name, spec] of Object.entries(datasets)) {
    assert.equal(spec.name, name);
    assert.ok(spec.description.trim() && spec.howToGet.trim(), name);
    assert.ok(spec.inputShape.every((d) => Number.isInteger(d) && d > 0) && spec.numClasses >= 2, name);
  }
});

test("inits: every weight and score init draws n finite values, the same for the same seed, and is described", () => {
  const cases = [
    [weightInits, weightInitDescriptions],
    [scoreInits, scoreInitDescriptions],
  ] as const;
  for (const [registry, descriptions] of cases) {
    assert.deepEqual(Object.keys(descriptions).sort(), Object.keys(registry).sort());
    for (const [name, init] of Object.entries(registry)) {
      const draw = () => init(500, { fanIn: 50, keepFraction: 0.3, rng: new Rng(7) });
      const a = draw();
      assert.equal(a.length, 500, name);
      assert.ok(a.every(Number.isFinite), name);
      assert.deepEqual(a, draw(), `${name} is seeded`);
    }
  }
});

test("pruning and rewinding: every pair runs iEP; pruning keeps each cycle's final mask selectable and never revives an edge", async () => {
  const data = await tinyData();
  for (const pruning of Object.keys(pruningStrategies))
    for (const rewind of Object.keys(rewindStrategies)) {
      const config = tinyConfig({ iep: { cycles: 3, pruning, rewind } });
      const boundaries: BoundaryRecord[] = [];
      const unwrap = probeBoundaries(config, boundaries);
      const rec = new Recorder();
      let result: Awaited<ReturnType<Recorder["run"]>>;
      try {
        result = await rec.run(config, data);
      } finally {
        unwrap();
      }
      const what = `${pruning} × ${rewind}`;
      assert.equal(result.cycles.length, 3, what);
      assert.ok(Number.isFinite(result.final.testAccuracy), what);
      assert.equal(boundaries.length, 2, `${what}: two cycle boundaries`);
      let previousAlive: (Uint8Array | null)[] = boundaries[0].alive.map(() => null);
      for (const b of boundaries) {
        const finalMask = rec.finalMasks.get(b.nextCycle - 1)!;
        b.alive.forEach((alive, l) => {
          if (!alive) return;
          for (let i = 0; i < alive.length; i++) {
            if (finalMask[l][i]) assert.equal(alive[i], 1, `${what}: an edge of the final mask was removed`);
            if (previousAlive[l] && !previousAlive[l]![i]) assert.equal(alive[i], 0, `${what}: a removed edge came back`);
          }
          assert.ok(ones(alive) >= ones(finalMask[l]), what);
        });
        b.after.forEach((s, l) => {
          assert.equal(s.length, b.before[l].length, what);
          assert.ok(s.every(Number.isFinite), `${what}: finite scores after the rewind`);
        });
        previousAlive = b.alive;
      }
    }
});

test("plug-ins: each names a config section that is off by default, and turned on with that section's defaults it runs a step", async () => {
  const data = await tinyData();
  const shape = runConfigSchema.shape as Record<string, { parse(v: unknown): unknown }>;
  for (const [name, spec] of Object.entries(plugins)) {
    assert.ok(spec.description.trim(), name);
    const field = spec.settingsField;
    assert.ok(field in shape, `${name}: settings field ${field} is in the config`);
    const off = validateRunConfig({ method: "ep" });
    assert.ok(off.ok);
    assert.equal(spec.create(off.config[field], off.config), null, `${name} is off by default`);
    const on = validateRunConfig({ ...tinyConfig({ method: "ep", epochs: 1 }), [field]: {} });
    assert.ok(on.ok, `${name}: {} (the section's defaults) is valid`);
    const plugin = spec.create(on.config[field], on.config);
    assert.ok(plugin, `${name} is on when its section is set`);
    const rec = new Recorder();
    await rec.run(on.config, data);
    await plugin.afterStep({ globalStep: 1, layers: rec.layers, keepFraction: on.config.keepFraction, seed: 0 });
  }
});
