/**
 * The workbook floor: what notebooks import (`../dist/src/workbook`) on top of src/plot and
 * src/analysis — shared presets, the studies behind each figure, runs with page-friendly
 * progress, verdicts and CSVs recorded for the published pages, and the published pages'
 * claims index and staleness check.
 */
export * from "./presets";
export * from "./studies";
export * from "./hyperparameter-studies";
export * from "./method-studies";
export * from "./length-study";
export * from "./further-claims-studies";
export * from "./runs";
export * from "./record";
export * from "./verdicts";
export * from "./published";
export { notebookPlans } from "./plans";
