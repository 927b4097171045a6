/** Hard pruning (iEP): the edges outside each cycle's final mask are removed for good. */
import type { MaskedLayer } from "../supermask/layers";
import type { PruningStrategy } from "./pruning";

export const hardPruning: PruningStrategy = {
  description: "remove the edges outside the cycle's final mask for good",
  async atCycleEnd(layers: MaskedLayer[]) {
    for (const l of layers) {
      const mask = await l.readMask();
      if (!mask) throw new Error(`hard pruning: layer ${l.name} has no mask yet`);
      l.alive = Uint8Array.from(mask);
    }
  },
};
