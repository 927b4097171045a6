/**
 * Every published notebook's plan: the configs it trains at a scale. The staleness check of the
 * published pages (test/workbook/published.test.ts) compares a page's run ids with its plan, so
 * a notebook that publishes a page registers here the study function it builds its runs from
 * (one line per notebook, keyed by the notebook's file name without .ipynb).
 */
import type { NotebookPlan } from "./published";
import { accuracyStudy, dyingRatioStudy, softHardStudy } from "./studies";

export const notebookPlans: Readonly<Record<string, NotebookPlan>> = {
  "01-dying-ratio-per-prune-rate": (scale) => dyingRatioStudy({ scale }).configs,
  "03-soft-vs-hard-iep": (scale) => softHardStudy({ scale }).configs,
  "04-accuracy-vs-prune-rate": (scale) => accuracyStudy({ scale }).configs,
};
