/**
 * The run config, as the experiments floor offers it: the schema and types from the ground
 * floor (src/config) and the one validating function (./validate). Kept as an import path
 * for notebooks and scripts; new code imports from src/config or ./validate directly.
 */
export {
  type ConfigProblem,
  ConfigError,
  type IepConfig,
  type IterandConfig,
  type SignFlipConfig,
  type RunConfig,
  type RunConfigInput,
  canonicalJson,
  finetuneLrOf,
  iepSchema,
  iterandSchema,
  signFlipSchema,
  runConfigSchema,
  runId,
  totalEpochs,
} from "../config";
export { type ConfigCheck, describeConfigFields, parseRunConfig, registryChoices, validateRunConfig } from "./validate";
