/**
 * The ground floor: the run config's settings, one section per subsystem (schema.ts), the
 * run's identity (identity.ts), problems as data (problems.ts) and field descriptions
 * (describe.ts). Imports nothing of the workbench but errors; every floor may import it.
 * The one function that validates a config against the schema AND the registries is
 * `validateRunConfig` in src/experiments/validate.ts.
 */
export * from "./describe";
export * from "./identity";
export * from "./problems";
export * from "./schema";
