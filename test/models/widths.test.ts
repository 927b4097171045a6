/**
 * The widths each model declares in the registry (what widthMultiplier scales) are the
 * widths it builds, so that a config can be checked before any model exists; a multiplier
 * that leaves a layer with 0 units is refused, with the smallest one that works.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { SltError } from "../../src/errors";
import { buildModel } from "../../src/models/factory";
import { models } from "../../src/models/registry";
import { type ModelContext, widthMultiplierProblem } from "../../src/models/types";
import type { LayerShape, MaskedLayer } from "../../src/supermask/layers";
import { modelRequest } from "./helpers";

/** The output width of every layer but the last (whose width is the class count), built at widthMultiplier m. */
function builtHiddenWidths(name: string, m: number): number[] {
  const widths: number[] = [];
  const ctx: ModelContext = {
    inputShape: [32, 32, 3],
    numClasses: 10,
    widthMultiplier: m,
    layer(_name: string, shape: LayerShape, role) {
      if (role !== "last") widths.push(shape.kind === "dense" ? shape.outFeatures : shape.outChannels);
      // Only the shapes matter here: no weights are made.
      return { dispose() {} } as unknown as MaskedLayer;
    },
  };
  models[name].build(ctx);
  return widths;
}

test("every model's declared widths are exactly the widths it builds at widthMultiplier 1, and scale with it", async () => {
  await initBackend("cpu"); // ResNet's batch norms make small tensors
  for (const [name, spec] of Object.entries(models)) {
    assert.ok(spec.hiddenWidths.length > 0, `${name} declares its widths`);
    assert.deepEqual([...new Set(builtHiddenWidths(name, 1))].sort(), [...new Set(spec.hiddenWidths)].sort(), name);
    const m = 0.3;
    assert.deepEqual(
      [...new Set(builtHiddenWidths(name, m))].sort(),
      [...new Set(spec.hiddenWidths.map((w) => Math.round(w * m)))].sort(),
      `${name} at ×${m}`,
    );
  }
});

test("a widthMultiplier that leaves a layer with 0 units is refused, naming the field and the smallest multiplier that works", async () => {
  await initBackend("cpu");
  for (const [name, spec] of Object.entries(models)) {
    const narrowest = Math.min(...spec.hiddenWidths);
    const problem = widthMultiplierProblem(spec, 0.001);
    assert.ok(problem, `${name} at 0.001`);
    assert.ok(problem.message.includes(`round(${narrowest} × 0.001) = 0`), problem.message);
    const least = problem.leastMultiplier;
    assert.ok(problem.fix.includes(`≥ ${least}`), problem.fix);
    // The suggestion works, gives the narrowest layer one unit, and is within 2 significant digits of the bound.
    assert.equal(widthMultiplierProblem(spec, least), null, `${name}: ${least} is accepted`);
    assert.ok(Math.round(narrowest * least) >= 1);
    assert.ok(least < (0.5 / narrowest) * 1.1, `${name}: ${least} is close to the least multiplier`);
    assert.ok(builtHiddenWidths(name, least).every((w) => w >= 1));
    // Just below the bound: still refused.
    assert.ok(widthMultiplierProblem(spec, (0.5 / narrowest) * 0.99), `${name} just below the bound`);
    assert.equal(widthMultiplierProblem(spec, 1), null);
  }
  // A model built directly, bypassing config checks, refuses too instead of making a 0-unit layer.
  assert.throws(
    () => buildModel(modelRequest("lenet300", { widthMultiplier: 0.001 }), [28, 28, 1], 10),
    (e: unknown) => e instanceof SltError && e.kind === "config" && e.subject === "widthMultiplier",
  );
});
