/**
 * Dying edges (Iwasawa et al., JSAI 2023): an edge that was never selected by the mask
 * at any step of training. The dying ratio (DR) is dying edges / prunable edges; turnover
 * is the share of the first mask's edges that are missing from the final mask.
 *
 * The tracker keeps, per layer, one byte per edge: "ever selected" (OR of every mask seen)
 * plus a copy of the first mask. Updating it is one pass over the mask per step.
 */

export interface LayerSelectionCounts {
  layer: string;
  /** Edges in the layer. */
  total: number;
  /** Edges still available (not removed by hard pruning). */
  available: number;
  /** Available edges selected at least once since the tracker started. */
  everSelected: number;
  /** Available edges never selected: the dying edges. */
  dying: number;
  /** Edges in the first mask seen. */
  firstKept: number;
  /** Of those, how many are missing from the latest mask. */
  firstDropped: number;
  /** Edges in the latest mask. */
  lastKept: number;
}

export interface DyingSummary {
  /** Dying edges / available edges, over all prunable layers. */
  dyingRatio: number;
  /** Share of the first mask's edges missing from the latest mask. */
  turnover: number;
  perLayer: LayerSelectionCounts[];
}

/** DR of one layer from its "ever selected" bytes, among the `alive` edges when given. */
export function dyingRatio(everSelected: Uint8Array, alive?: Uint8Array | null): number {
  let avail = 0;
  let dead = 0;
  for (let i = 0; i < everSelected.length; i++) {
    if (alive && !alive[i]) continue;
    avail++;
    if (!everSelected[i]) dead++;
  }
  return avail === 0 ? 0 : dead / avail;
}

/** Share of `first`'s ones that are zero in `last`. */
export function turnover(first: Uint8Array, last: Uint8Array): number {
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i]) {
      kept++;
      if (!last[i]) dropped++;
    }
  }
  return kept === 0 ? 0 : dropped / kept;
}

/**
 * e |= m, four bytes at a time where both arrays are 4-byte aligned (this runs once per
 * layer per step, so it is a measurable share of a small model's step otherwise).
 */
function orInto(e: Uint8Array, m: Uint8Array): void {
  let start = 0;
  if (e.byteOffset % 4 === 0 && m.byteOffset % 4 === 0) {
    const n4 = m.length >>> 2;
    const e32 = new Uint32Array(e.buffer, e.byteOffset, n4);
    const m32 = new Uint32Array(m.buffer, m.byteOffset, n4);
    for (let j = 0; j < n4; j++) e32[j] |= m32[j];
    start = n4 << 2;
  }
  for (let j = start; j < m.length; j++) e[j] |= m[j];
}

export interface SelectionTrackerState {
  layers: string[];
  /** Per layer: ever-selected bytes, first mask, last mask, as base64. */
  everSelected: string[];
  first: (string | null)[];
  last: (string | null)[];
  steps: number;
}

export class SelectionTracker {
  readonly layerNames: string[];
  private readonly ever: Uint8Array[];
  private readonly first: (Uint8Array | null)[];
  private readonly last: (Uint8Array | null)[];
  private alive: (Uint8Array | null)[];
  /** Masks recorded so far. */
  steps = 0;

  constructor(layers: { name: string; numel: number }[]) {
    this.layerNames = layers.map((l) => l.name);
    this.ever = layers.map((l) => new Uint8Array(l.numel));
    this.first = layers.map(() => null);
    this.last = layers.map(() => null);
    this.alive = layers.map(() => null);
  }

  /** Record one step's masks (one per layer, in the tracker's layer order). */
  record(masks: Uint8Array[]): void {
    if (masks.length !== this.ever.length) throw new Error(`tracker expects ${this.ever.length} masks, got ${masks.length}`);
    for (let l = 0; l < masks.length; l++) {
      const m = masks[l];
      const e = this.ever[l];
      orInto(e, m);
      if (!this.first[l]) this.first[l] = Uint8Array.from(m);
      const last = this.last[l];
      if (last) last.set(m);
      else this.last[l] = Uint8Array.from(m);
    }
    this.steps++;
  }

  /**
   * Record several steps' masks at once, given as their OR, first and last mask (what
   * DeviceSelectionRecord.drain reads): the same state as recording each of them.
   */
  recordBatch(batch: { everSelected: Uint8Array[]; first: Uint8Array[]; last: Uint8Array[]; steps: number }): void {
    if (batch.everSelected.length !== this.ever.length)
      throw new Error(`tracker expects ${this.ever.length} masks, got ${batch.everSelected.length}`);
    for (let l = 0; l < this.ever.length; l++) {
      orInto(this.ever[l], batch.everSelected[l]);
      if (!this.first[l]) this.first[l] = Uint8Array.from(batch.first[l]);
      this.last[l] = Uint8Array.from(batch.last[l]);
    }
    this.steps += batch.steps;
  }

  /** Restrict the counts to these edges (hard pruning); null = every edge. */
  setAlive(alive: (Uint8Array | null)[]): void {
    this.alive = alive.map((a) => (a ? Uint8Array.from(a) : null));
  }

  counts(): LayerSelectionCounts[] {
    return this.layerNames.map((layer, l) => {
      const e = this.ever[l];
      const a = this.alive[l];
      const first = this.first[l];
      const last = this.last[l];
      let available = 0,
        ever = 0,
        firstKept = 0,
        firstDropped = 0,
        lastKept = 0;
      for (let i = 0; i < e.length; i++) {
        if (!a || a[i]) {
          available++;
          if (e[i]) ever++;
        }
        if (last?.[i]) lastKept++;
        if (first?.[i]) {
          firstKept++;
          if (last && !last[i]) firstDropped++;
        }
      }
      return { layer, total: e.length, available, everSelected: ever, dying: available - ever, firstKept, firstDropped, lastKept };
    });
  }

  summary(): DyingSummary {
    const perLayer = this.counts();
    const avail = perLayer.reduce((s, c) => s + c.available, 0);
    const dying = perLayer.reduce((s, c) => s + c.dying, 0);
    const firstKept = perLayer.reduce((s, c) => s + c.firstKept, 0);
    const dropped = perLayer.reduce((s, c) => s + c.firstDropped, 0);
    return { dyingRatio: avail ? dying / avail : 0, turnover: firstKept ? dropped / firstKept : 0, perLayer };
  }

  /** The ever-selected bytes of each layer (live views; copy to keep). */
  everSelected(): Uint8Array[] {
    return this.ever;
  }

  firstMasks(): (Uint8Array | null)[] {
    return this.first;
  }

  lastMasks(): (Uint8Array | null)[] {
    return this.last;
  }

  getState(): SelectionTrackerState {
    const b64 = (a: Uint8Array | null) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64") : null);
    return {
      layers: this.layerNames,
      everSelected: this.ever.map((e) => b64(e)!),
      first: this.first.map(b64),
      last: this.last.map(b64),
      steps: this.steps,
    };
  }

  setState(state: SelectionTrackerState): void {
    if (state.layers.join() !== this.layerNames.join()) throw new Error("tracker state belongs to other layers");
    const un = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
    state.everSelected.forEach((s, l) => this.ever[l].set(un(s)));
    state.first.forEach((s, l) => (this.first[l] = s ? un(s) : null));
    state.last.forEach((s, l) => (this.last[l] = s ? un(s) : null));
    this.steps = state.steps;
  }
}
