/**
 * Comparing the subnetworks two runs found: the Jaccard overlap of their final masks (stored
 * with each run as a bitset, src/metrics/final-mask.ts). For the deck's slide 11, "the SLT
 * found is sensitive to batch order": runs that differ only in `dataOrderSeed` share their
 * weights and initial scores, so their overlap measures what the data order alone changes;
 * runs that differ in `seed` measure a new draw of weights, scores and order together.
 */
import { SltError } from "../errors";
import type { StoredRun } from "../experiments/store";
import { type MaskOverlap, decodeFinalMask, maskOverlap } from "../metrics/final-mask";

export type { MaskOverlap } from "../metrics/final-mask";

function finalMaskOfRun(run: StoredRun): NonNullable<StoredRun["result"]["finalMask"]> {
  const record = run.result.finalMask;
  if (record) return record;
  const why =
    run.config.method === "weights"
      ? "it is weight training, which has no mask"
      : "it was stored before final masks were kept; delete its run folder and run it again to record one";
  throw new SltError("usage", `Run ${run.id} has no final mask to compare: ${why}.`, run.id);
}

/** The Jaccard overlap |A ∩ B| / |A ∪ B| of two runs' final masks, overall and per layer. */
export function finalMaskOverlap(a: StoredRun, b: StoredRun): MaskOverlap {
  const ra = finalMaskOfRun(a);
  const rb = finalMaskOfRun(b);
  if (ra.layers.join() !== rb.layers.join() || ra.edges.join() !== rb.edges.join()) {
    throw new SltError(
      "usage",
      `Runs ${a.id} and ${b.id} have different networks (layers ${ra.layers.join(", ")} with ${ra.edges.join(", ")} edges against ${rb.layers.join(", ")} with ${rb.edges.join(", ")}): compare runs of one model and width.`,
      b.id,
    );
  }
  return maskOverlap(ra.layers, decodeFinalMask(ra), decodeFinalMask(rb));
}
