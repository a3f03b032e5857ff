/**
 * Exit codes, shared by every command (documented in the README):
 * - 0: the job was done and something answered;
 * - 1: the job was done and nothing answered (no reply, NXDOMAIN, no neighbour);
 * - 2: the job could not be done: bad input, no permission, unknown host, unreachable network.
 */
export const ExitCode = { Ok: 0, NoAnswer: 1, Error: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const brand = Symbol.for('netdiag.CliError');

/** A failure the user can act on: printed as one line, `netdiag: <message>`, never a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly [brand] = true;
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Error,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad flags or arguments: the message says which and the usage line follows it. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Error);
  }
}

/**
 * Whether `err` is a CliError, from this copy of the class or another: each command is bundled on
 * its own, with its own copy (and chunks have theirs), and run-cli.ts reports what any of them throws.
 */
export function isCliError(err: unknown): err is CliError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

/**
 * A system call's failure that reached the top (a Node errno error, or a ProbeSocketError from
 * any command's copy of probe-socket) as one line, e.g. `open /proc/net/dev: too many open
 * files (raise the limit: ulimit -n)`; undefined for anything else, which is a bug.
 */
export function systemFailureText(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'ProbeSocketError') return e.message;
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string')
    return undefined;
  // Node's message is `CODE: what, syscall 'path'`: keep the what.
  const what = /^E[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
  const hint = e.code === 'EMFILE' ? ' (raise the limit: ulimit -n)' : '';
  return `${e.syscall}${e.path ? ` ${e.path}` : ''}: ${what}${hint}`;
}
