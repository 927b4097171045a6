/** Builds a registered model with the layers its settings ask for (the model and masking sections). */
import type { MaskingSettings, Method, ModelSettings, RunSettings } from "../config";
import { Rng } from "../engine/rng";
import { MaskedLayer } from "../supermask/layers";
import type { ScoreInitName, WeightInitName } from "../supermask/init";
import { getModel } from "./registry";
import type { LayerRole, Model, ModelContext } from "./types";

/** What building a model needs: the model section, the kept fraction, the method and the seed. */
export type ModelRequest = ModelSettings & Pick<MaskingSettings, "keepFraction"> & Pick<RunSettings, "seed"> & { method: Method };

/**
 * Every random draw of the network comes from one stream seeded by the run's seed, in
 * layer order, so the same config builds the same network on every backend.
 */
export function buildModel(req: ModelRequest, inputShape: [number, number, number], numClasses: number): Model {
  const rng = Rng.derive(req.seed, "init");
  const ctx: ModelContext = {
    inputShape,
    numClasses,
    widthMultiplier: req.widthMultiplier,
    layer(name, shape, role: LayerRole): MaskedLayer {
      const dense = req.method === "weights" || (role === "first" && req.firstLayerDense) || (role === "last" && req.lastLayerDense);
      return new MaskedLayer(name, shape, {
        mode: dense ? "weights" : "supermask",
        weightInit: (dense && req.method !== "weights" ? "kaiming-normal" : req.weightInit) as WeightInitName,
        scoreInit: req.scoreInit as ScoreInitName,
        keepFraction: dense ? 1 : req.keepFraction,
        rng,
      });
    },
  };
  return getModel(req.model).build(ctx);
}
