/**
 * One verdict function per deck claim, by notebook: each takes plain rows and returns a
 * `Verdict` (see ../verdict.ts); test/analysis/claims shows each one holding and not holding.
 */
export * from "./common";
export * from "./01-dying-ratio";
export * from "./03-soft-hard";
export * from "./04-accuracy";
export * from "./02-dr-vs-accuracy";
export * from "./05-rewinding";
export * from "./07-accuracy-vs-parameters";
export * from "./08-early-dr";
export * from "./09-training-length";
export * from "./10-further-claims";
