/**
 * Re-admission across iEP cycles: the deck's stated reason soft pruning beats hard (slide 12)
 * is that soft pruning lets pruned edges come back. With M_c the final mask of cycle c (the
 * mask of its last evaluation, the one a cycle boundary prunes with):
 *
 * - readmitted_c = |M_c \ M_{c−1}| / |M_c|, for c ≥ 2: the share of cycle c's final mask that
 *   lay outside the previous cycle's final mask;
 * - readmittedEver_c = |M_c \ (M_1 ∩ … ∩ M_{c−1})| / |M_c|, for c ≥ 2: the share of cycle c's
 *   final mask that some earlier cycle boundary pruned (outside at least one earlier final
 *   mask). The run's re-admission is readmittedEver of its last cycle.
 *
 * Hard pruning keeps only M_{c−1} ∩ (what was alive), so M_c ⊆ M_1 ∩ … ∩ M_{c−1} and both are
 * exactly 0 by construction; soft pruning removes nothing and typically gives > 0. Cycle 1
 * (and EP, one cycle) has no earlier mask: null.
 *
 * Kept per edge in one byte: bit 0 = in the previous cycle's final mask, bit 1 = in every
 * earlier cycle's final mask. Recording a cycle's final mask is one pass over it, once per
 * cycle; nothing is done per step.
 */

const IN_PREVIOUS = 1;
const IN_EVERY_EARLIER = 2;

export interface Readmission {
  /** |M_c \ M_{c−1}| / |M_c|; null for the first cycle or when the earlier masks are unknown. */
  readmitted: number | null;
  /** |M_c \ ∩_{j<c} M_j| / |M_c|; null likewise. */
  readmittedEver: number | null;
}

export interface FinalMaskHistoryState {
  /** Final masks recorded so far (cycles ended). */
  cycles: number;
  /** Whether the earlier final masks are known (false after resuming from a checkpoint without them). */
  known: boolean;
  /** Per layer, the bits above. */
  bits: Uint8Array[];
}

export class FinalMaskHistory {
  private readonly bits: Uint8Array[];
  private cycles = 0;
  private known = true;

  constructor(numels: number[]) {
    this.bits = numels.map((n) => new Uint8Array(n));
  }

  /**
   * Record the final masks of the cycle that just ended (one per layer, in layer order) and
   * return its re-admission against the cycles before it.
   */
  recordFinal(masks: Uint8Array[]): Readmission {
    if (masks.length !== this.bits.length) throw new Error(`final-mask history expects ${this.bits.length} masks, got ${masks.length}`);
    const first = this.cycles === 0;
    let kept = 0;
    let outsidePrevious = 0;
    let outsideSomeEarlier = 0;
    for (let l = 0; l < masks.length; l++) {
      const m = masks[l];
      const b = this.bits[l];
      if (m.length !== b.length) throw new Error(`final mask ${l} has ${m.length} edges, expected ${b.length}`);
      for (let i = 0; i < m.length; i++) {
        if (m[i]) {
          kept++;
          const h = first ? IN_PREVIOUS | IN_EVERY_EARLIER : b[i];
          if (!(h & IN_PREVIOUS)) outsidePrevious++;
          if (!(h & IN_EVERY_EARLIER)) outsideSomeEarlier++;
          b[i] = IN_PREVIOUS | (h & IN_EVERY_EARLIER);
        } else b[i] = 0;
      }
    }
    this.cycles++;
    if (first || !this.known || kept === 0) return { readmitted: null, readmittedEver: null };
    return { readmitted: outsidePrevious / kept, readmittedEver: outsideSomeEarlier / kept };
  }

  /** The earlier masks are lost (a checkpoint from before they were kept): every later value is null. */
  forget(): void {
    this.known = false;
  }

  getState(): FinalMaskHistoryState {
    return { cycles: this.cycles, known: this.known, bits: this.bits.map((b) => Uint8Array.from(b)) };
  }

  setState(state: FinalMaskHistoryState): void {
    if (state.bits.length !== this.bits.length || state.bits.some((b, l) => b.length !== this.bits[l].length))
      throw new Error("final-mask history state belongs to other layers");
    state.bits.forEach((b, l) => this.bits[l].set(b));
    this.cycles = state.cycles;
    this.known = state.known;
  }
}

/**
 * Edges swapped in during a cycle: those selected at some step (or evaluation) of the cycle
 * that were outside its first mask, |E_c \ F_c|, over all prunable edges. From a cycle
 * tracker's counts: the first mask is recorded into "ever selected" and lies among the
 * available edges, so |E_c \ F_c| = |E_c| − |F_c|. For EP (one cycle) it is the reached prune
 * rate − DR, the share the README calls p − DR.
 */
export function swappedInShare(counts: { everSelected: number; firstKept: number }[], totalEdges: number): number {
  const swapped = counts.reduce((s, c) => s + c.everSelected - c.firstKept, 0);
  return totalEdges === 0 ? 0 : swapped / totalEdges;
}
