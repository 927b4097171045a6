/**
 * What happens to the edges outside a cycle's final mask when the next cycle starts.
 * A new pruning style is one entry here.
 */
import type { MaskedLayer } from "../supermask/layers";

export interface PruningStrategy {
  description: string;
  /** Called at each cycle boundary, after the cycle's final mask was taken. */
  atCycleEnd(layers: MaskedLayer[]): void;
}

export const pruningStrategies = {
  soft: {
    description: "remove nothing: the scores carry over and every original edge stays selectable",
    atCycleEnd: () => undefined,
  },
  hard: {
    description: "remove the edges outside the cycle's final mask for good",
    atCycleEnd(layers: MaskedLayer[]) {
      for (const l of layers) {
        if (!l.mask) throw new Error(`hard pruning: layer ${l.name} has no mask yet`);
        l.alive = Uint8Array.from(l.mask);
      }
    },
  },
} satisfies Record<string, PruningStrategy>;

export type PruningName = keyof typeof pruningStrategies;
