/**
 * SLT_LIMIT: a documented override that caps every run a process starts to seconds of
 * training, so that the docs' commands (and a newcomer trying them) can run every training
 * command without waiting minutes. `SLT_LIMIT=smoke` caps the training images, test images
 * and epochs (iEP: epochs per cycle). The capped values ARE the run's config: they are stored
 * in run.json, enter its run id (a smoke run never has the id, or the result, of the full run)
 * and show in `slt show` / `slt runs`; the label says "SLT_LIMIT=smoke" too. Applied by every
 * front end that starts runs: `slt run`, `slt sweep`, `runExperiment`/`findRun` and
 * `ensureRuns` (so the notebooks and `npm run workbook`).
 */
import type { RunConfig } from "../config";
import { SltError } from "../errors";
import { parseRunConfig } from "./validate";

export const RUN_LIMIT_ENV = "SLT_LIMIT";

export interface RunLimit {
  /** One line on what the limit does. */
  description: string;
  /** At most this many training images (more only when one batch needs them). */
  limitTrain: number;
  /** At most this many test images. */
  limitTest: number;
  /** At most this many epochs (ep, weights) or epochs per cycle (iep). */
  epochs: number;
}

/** The limits SLT_LIMIT names. */
export const runLimits = {
  smoke: {
    description: "512 training images, 256 test images, 1 epoch (iEP: 1 epoch per cycle): seconds per run, for trying commands",
    limitTrain: 512,
    limitTest: 256,
    epochs: 1,
  },
} as const satisfies Record<string, RunLimit>;

export type RunLimitName = keyof typeof runLimits;

/** The limit $SLT_LIMIT names, or null when it is unset or blank; another value is a usage error. */
export function runLimitFromEnv(env: NodeJS.ProcessEnv = process.env): { name: RunLimitName; limit: RunLimit } | null {
  const raw = env[RUN_LIMIT_ENV]?.trim();
  if (!raw) return null;
  if (!Object.hasOwn(runLimits, raw)) {
    throw new SltError(
      "usage",
      `${RUN_LIMIT_ENV} must be ${Object.keys(runLimits)
        .map((n) => `"${n}"`)
        .join(" or ")} (or unset for full runs), got "${raw}".`,
      RUN_LIMIT_ENV,
    );
  }
  const name = raw as RunLimitName;
  return { name, limit: runLimits[name] };
}

/** A count capped at `max`, where 0 means "all". */
function capCount(value: number, max: number): number {
  return value === 0 ? max : Math.min(value, max);
}

/**
 * The config as $SLT_LIMIT caps it (the config itself when SLT_LIMIT is unset). Idempotent:
 * a capped config stays as it is, so every front end may apply it.
 */
export function applyRunLimit(config: RunConfig, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const found = runLimitFromEnv(env);
  if (!found) return config;
  const { name, limit } = found;
  // One batch must still fit in the training images left after the validation split.
  const oneBatch = Math.ceil(config.batchSize / (1 - config.validationFraction));
  const limitTrain = capCount(config.limitTrain, Math.max(limit.limitTrain, oneBatch));
  const marker = `${RUN_LIMIT_ENV}=${name}`;
  return parseRunConfig({
    ...config,
    limitTrain,
    limitTest: capCount(config.limitTest, limit.limitTest),
    epochs: Math.min(config.epochs, limit.epochs),
    iep: { ...config.iep, epochsPerCycle: Math.min(config.iep.epochsPerCycle, limit.epochs) },
    label: config.label.includes(marker) ? config.label : config.label ? `${config.label} [${marker}]` : `[${marker}]`,
  });
}
