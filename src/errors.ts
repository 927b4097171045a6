/**
 * The one error type a user sees. It names what was wrong (a config field, a file,
 * a data set) and what to do about it; the CLI prints `message` alone, without a
 * stack trace. Anything thrown that is not an SltError is a bug in the workbench.
 */
export type SltErrorKind =
  | "config" // a config field is unknown, of the wrong type or out of range
  | "data" // a data set is missing, truncated or corrupt
  | "store" // the run store cannot be read or written
  | "training" // training diverged (NaN/Inf loss) or cannot proceed
  | "usage"; // a CLI call or API call is malformed

export class SltError extends Error {
  readonly kind: SltErrorKind;
  /** The config field, file path or argument at fault, when there is one. */
  readonly subject?: string;

  constructor(kind: SltErrorKind, message: string, subject?: string) {
    super(message);
    this.name = "SltError";
    this.kind = kind;
    this.subject = subject;
  }
}

export function isSltError(e: unknown): e is SltError {
  return e instanceof SltError;
}
