/**
 * Every published notebook's plan: the configs it trains at a scale. The staleness check of the
 * published pages (test/workbook/published.test.ts) compares a page's run ids with its plan, so
 * a notebook that publishes a page registers here the study function it builds its runs from
 * (one line per notebook, keyed by the notebook's file name without .ipynb).
 */
import type { NotebookPlan } from "./published";
import { hyperparameterSweep } from "./hyperparameter-studies";
import { interventionStudy, probeStudy, rewindingStudy, widthStudy } from "./method-studies";
import { lengthStudy } from "./length-study";
import { accuracyStudy, dyingRatioStudy, softHardStudy } from "./studies";
import { furtherClaimsStudy } from "./further-claims-studies";

export const notebookPlans: Readonly<Record<string, NotebookPlan>> = {
  "01-dying-ratio-per-prune-rate": (scale) => dyingRatioStudy({ scale }).configs,
  "03-soft-vs-hard-iep": (scale) => softHardStudy({ scale }).configs,
  "04-accuracy-vs-prune-rate": (scale) => accuracyStudy({ scale }).configs,
  "02-dr-vs-accuracy": (scale) => hyperparameterSweep({ scale }).configs,
  "05-rewinding-variants": (scale) => rewindingStudy({ scale }).configs,
  "06-probe-your-hypothesis": (scale) => probeStudy({ scale }).configs,
  "07-accuracy-vs-parameters": (scale) => widthStudy({ scale }).configs,
  "08-early-dr-vs-accuracy": (scale) => [...hyperparameterSweep({ scale }).configs, ...interventionStudy({ scale }).configs],
  "09-training-length": (scale) => lengthStudy({ scale }).configs,
  "10-batch-order-fashion-mnist-dense-iterand": (scale) => furtherClaimsStudy({ scale }).configs,
};
