/** Stable codes for everything this package can fail with. */
export type SocketListErrorCode =
  /** A /proc table whose header is not the one this parser reads: a different file or a new kernel format. */
  | 'BAD_HEADER'
  /** A /proc file could not be read (missing protocol module, no /proc mounted, no permission). */
  | 'READ_FAILED'
  /** A filter expression (`state established sport = :443`) that does not parse. */
  | 'BAD_FILTER';

/** The one error type this package throws; parsers never throw anything else. */
export class SocketListError extends Error {
  override readonly name = 'SocketListError';
  constructor(
    readonly code: SocketListErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A line a parser skipped. Parsers never stop at a bad line: /proc tables are read while the
 * kernel changes them, and one odd line must not hide the other 50,000.
 */
export interface ParseIssue {
  /** Which file (or table) the line came from, e.g. `tcp6`. */
  readonly source: string;
  /** 1-based line number within that text. */
  readonly line: number;
  readonly reason: string;
}
