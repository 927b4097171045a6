/**
 * slt-workbench's public API: what notebooks, scripts and other packages import.
 * Everything here is re-exported from the concept folders under src/.
 */
export { SltError, isSltError } from "./errors";

export {
  runConfigSchema,
  runId,
  pathBasedRunId,
  totalEpochs,
  finetuneLrOf,
  canonicalJson,
  ConfigError,
  isConfigError,
  formatProblem,
} from "./config";
export type {
  RunConfig,
  RunConfigInput,
  DataContent,
  ConfigProblem,
  RunSettings,
  ModelSettings,
  MaskingSettings,
  DataSettings,
  TrainingSettings,
  OptimizerSettings,
  ScheduleSettings,
  BackendSettings,
  IepSettings,
  IterandConfig,
  SignFlipConfig,
  PluginSettings,
} from "./config";
export { validateRunConfig, parseRunConfig, describeConfigFields, registryChoices, registryFields } from "./experiments/validate";
export type { ConfigCheck } from "./experiments/validate";
export { initBackend, activeBackend, availableBackends, versions } from "./engine/backend";
export type { BackendInfo, BackendName, BackendPreference } from "./engine/backend";
export { Rng } from "./engine/rng";

export { MaskedLayer, maskedWeight } from "./supermask/layers";
export { Masker } from "./supermask/masker";
export { keptCount, topKMask, globalTopKMasks, kthLargest } from "./supermask/mask";
export { weightInits, scoreInits, weightInitDescriptions, scoreInitDescriptions } from "./supermask/init";
export type { WeightInitName, ScoreInitName } from "./supermask/init";

export { SelectionTracker, dyingRatio, turnover } from "./metrics/dying";
export type { DyingSummary, LayerSelectionCounts } from "./metrics/dying";

export { models, getModel } from "./models/registry";
export { buildModel } from "./models/factory";
export type { ModelRequest } from "./models/factory";
export type { Model, ModelSpec, ModelContext } from "./models/types";

export { datasets, getDataset, loadDataset } from "./data/registry";
export { dataContent } from "./data/content";
export type { DataSplits, ImageSet, DatasetSpec } from "./data/types";

export { cycleKeepFractions, fixedShareCycles, planCycles } from "./iep/schedule";
export { pruningStrategies, getPruning } from "./iep/pruning";
export type { PruningStrategy } from "./iep/pruning";
export { rewindStrategies, getRewind } from "./iep/rewind";
export type { RewindStrategy } from "./iep/rewind";

export { runProcedure } from "./train/procedure";
export type { EpochMetrics, CycleMetrics, FinalMetrics, ProcedureResult } from "./train/procedure";
export type { RunEvent, RunError } from "./train/events";

export { RunStore, defaultStoreDir } from "./experiments/store";
export type { StoredRun, RunListing } from "./experiments/store";
export { executeRun, runExperiment, findRun } from "./experiments/run";
export { applyRunLimit, runLimitFromEnv, runLimits, RUN_LIMIT_ENV } from "./experiments/limit";
export type { RunLimit, RunLimitName } from "./experiments/limit";
export { identifyRun, storedRunId } from "./experiments/identity";
export type { RunIdentity } from "./experiments/identity";
export { importRuns, loadRuns, readExportFile } from "./experiments/exchange";
export type { ImportSummary } from "./experiments/exchange";
export { writeExport, exportTable } from "./analysis/export";
export { finalMaskOverlap } from "./analysis/masks";
export type { MaskOverlap } from "./analysis/masks";
export { runSweep, expandSweep, planSweep, shardOf, parseSweepSpec } from "./experiments/sweep";
export type { SweepSpecInput, SweepSummary, SweepEvent } from "./experiments/sweep";
export { oneShotBaseline, computeMatchedBaseline, equalStepsBaseline, weightsBaseline } from "./experiments/baselines";
export { IterandPlugin } from "./train/iterand-plugin";
export { SignFlipPlugin } from "./train/signflip-plugin";
export { plugins, pluginsFor } from "./train/plugins";
export type { PluginSpec } from "./train/plugins";
export type { TrainingPlugin, StepContext } from "./train/trainer";
export { summaryRows, epochRows, cycleRows, layerRows, finalLayerRows, ensureRuns } from "./analysis/runs";
export {
  confidenceInterval,
  summarise,
  pearson,
  linearFit,
  welchTest,
  pairedTest,
  equivalenceTest,
  tTestPower,
  weightedSlopeTest,
  correlationTest,
  slopeTest,
  quadraticFit,
  holm,
} from "./analysis/stats";
export {
  differenceVerdict,
  correlationVerdict,
  flatLevelVerdict,
  boundVerdict,
  settingMeans,
  meansFamily,
  estimateVerdict,
  notTestedVerdict,
  judgeEstimates,
  combineOutcomes,
  anyOutcome,
  seededContrast,
} from "./analysis/verdict";
export type {
  Verdict,
  VerdictOutcome,
  ClaimText,
  Contrast,
  CorrelationFamily,
  SettingMean,
  DecisionOptions,
  Estimate,
  Sesoi,
} from "./analysis/verdict";
