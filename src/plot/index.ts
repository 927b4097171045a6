/** Plot helpers for notebooks and the CLI: `import { show, lineWithCI } from "../dist/src/plot"`. */
export * from "./plotly";
export * from "./table";
export * from "./charts";
export * from "./notebook";
