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

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EMFILE: 'too many open files (EMFILE; raise the limit: ulimit -n)',
  ENFILE: 'too many open files in the system (ENFILE)',
  ENOMEM: 'out of memory (ENOMEM)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
};

/** A read's failure in words where they help (out of descriptors), else its errno code. */
export function errnoText(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return ERRNO_TEXT[code] ?? code;
  return String(err);
}

/** Out of descriptors or memory: every later read would fail too. */
export function isExhausted(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM';
}
