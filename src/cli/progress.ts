/**
 * Terminal progress for a run: a bar over all steps of the run with epoch, cycle, loss,
 * accuracy, DR and time left; one line per finished epoch. Without a TTY (CI, logs) only
 * the per-epoch lines are printed, plus a line every `logEverySteps` steps.
 */
import cliProgress from "cli-progress";
import type { RunEvent } from "../train/events";
import type { EpochMetrics } from "../train/procedure";

/** A plain-text table with padded columns, header first. */
export function table(rows: Record<string, string>[]): string {
  if (!rows.length) return "";
  const keys = Object.keys(rows[0]);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => (r[k] ?? "").length)));
  const line = (r: Record<string, string>) =>
    keys
      .map((k, i) => (r[k] ?? "").padEnd(width[i]))
      .join("  ")
      .trimEnd();
  return [line(Object.fromEntries(keys.map((k) => [k, k]))), ...rows.map(line)].join("\n");
}

/** A step's loss for progress lines; "–" while none was read yet (the device path reads it only now and then). */
export function formatLoss(x: number | null): string {
  return x === null ? "–" : x.toFixed(4);
}

/**
 * What a run keeps, in words true for its method: Edge-Popup and iEP keep `keepFraction` of
 * the edges; a weights run trains the dense network, has no mask, and ignores keepFraction.
 */
export function keepText(c: { method: string; keepFraction: number }): string {
  return c.method === "weights"
    ? "dense weights (no mask)"
    : `keepFraction ${c.keepFraction} (prune rate ${(1 - c.keepFraction).toPrecision(3)})`;
}

/** The training-set size of a listed run: the count it used when recorded, else its limitTrain ("≤ N") or "all". */
export function trainText(r: { trainImages: number | null; limitTrain: number | null }): string {
  if (r.trainImages !== null) return r.trainImages.toLocaleString("en-US");
  if (r.limitTrain === null) return "?";
  return r.limitTrain > 0 ? `≤ ${r.limitTrain.toLocaleString("en-US")}` : "all";
}

export function formatPercent(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : `${(100 * x).toFixed(digits)}%`;
}

export function epochLine(m: EpochMetrics, cycles: number): string {
  const cycle = cycles > 1 ? ` cycle ${m.cycle}/${cycles} keep ${m.keepFraction.toPrecision(3)}` : "";
  const val = m.valAccuracy !== null ? ` val ${formatPercent(m.valAccuracy)}` : "";
  return `epoch ${m.epoch}${cycle}  loss ${m.trainLoss.toFixed(4)}  train ${formatPercent(m.trainAccuracy)}  test ${formatPercent(m.testAccuracy)}${val}  DR ${m.dyingRatio === null ? "–" : m.dyingRatio.toFixed(4)}  turnover ${m.turnover === null ? "–" : m.turnover.toFixed(4)}  ${m.seconds.toFixed(1)}s`;
}

export class RunProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty: boolean;
  private lastDr: number | null = null;
  private cycles = 1;
  private readonly logEverySteps: number;
  private readonly write: (line: string) => void;

  constructor(options: { tty?: boolean; logEverySteps?: number; write?: (line: string) => void } = {}) {
    this.tty = options.tty ?? Boolean(process.stderr.isTTY);
    this.logEverySteps = options.logEverySteps ?? 0;
    this.write = options.write ?? ((l) => process.stderr.write(`${l}\n`));
  }

  private totalSteps = 0;
  private stepsDone = 0;
  private stepsAtStart = 0;
  private startedAt = Date.now();

  /** Show a run's event: the bar starts at run-start, moves at each step, prints a line per epoch. */
  handle(e: RunEvent): void {
    if (e.type === "run-start") this.start(e.epochs * e.stepsPerEpoch, e.resumedFromEpoch * e.stepsPerEpoch, e.cycles);
    else if (e.type === "step") this.step(e);
    else if (e.type === "epoch") this.epoch(e.metrics);
  }

  private start(totalSteps: number, doneSteps: number, cycles: number): void {
    this.cycles = cycles;
    this.totalSteps = totalSteps;
    this.stepsDone = doneSteps;
    this.stepsAtStart = doneSteps;
    this.startedAt = Date.now();
    if (!this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        format:
          "epoch {epoch}/{epochs}{cycle} |{bar}| {percentage}% step {step}/{spe}  loss {loss}  acc {acc}  DR {dr}  left {eta_formatted}",
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 200,
        fps: 5,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    this.lastPayload = { epoch: 0, epochs: 0, cycle: "", step: 0, spe: 0, loss: "–", acc: "–", dr: "–" };
    this.bar.start(totalSteps, doneSteps, this.lastPayload);
  }

  private lastPayload: Record<string, string | number> = {};

  private step(e: Extract<RunEvent, { type: "step" }>): void {
    const payload = {
      epoch: e.epoch,
      epochs: e.epochs,
      cycle: e.cycles > 1 ? ` (cycle ${e.cycle}/${e.cycles})` : "",
      step: e.step,
      spe: e.stepsPerEpoch,
      loss: formatLoss(e.loss),
      acc: formatPercent(e.accuracy, 1),
      dr: this.lastDr === null ? "–" : this.lastDr.toFixed(3),
    };
    this.stepsDone++;
    this.lastPayload = payload;
    if (this.bar) this.bar.increment(1, payload);
    else if (this.logEverySteps > 0 && e.step % this.logEverySteps === 0) {
      this.write(
        `  epoch ${e.epoch}/${e.epochs}${payload.cycle} step ${e.step}/${e.stepsPerEpoch}  loss ${payload.loss}  acc ${payload.acc}  DR ${payload.dr}  left ${this.timeLeft()}`,
      );
    }
  }

  private epoch(m: EpochMetrics): void {
    this.lastDr = m.dyingRatio;
    const line = epochLine(m, this.cycles);
    if (this.bar) {
      // The bar redraws at a saved cursor position, so a line printed under it would be
      // overwritten: clear the bar, print the line, start the bar again below it.
      this.bar.stop();
      this.write(line);
      this.bar.start(this.totalSteps, this.stepsDone, { ...this.lastPayload, dr: this.lastDr === null ? "–" : this.lastDr.toFixed(3) });
    } else this.write(line);
  }

  /** Time left for the whole run, from this process's pace so far. */
  private timeLeft(): string {
    const done = this.stepsDone - this.stepsAtStart;
    if (done <= 0 || this.totalSteps <= this.stepsDone) return "–";
    const seconds = (((Date.now() - this.startedAt) / 1000) * (this.totalSteps - this.stepsDone)) / done;
    const m = Math.floor(seconds / 60);
    return m > 0 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.round(seconds)}s`;
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
