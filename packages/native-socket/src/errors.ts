/**
 * A failed system call, shaped like Node's own system errors: `code` is the errno name
 * ("EPERM"), `errno` the positive C errno, `syscall` the call that failed.
 */
export class SocketError extends Error {
  override readonly name = 'SocketError';
  constructor(
    message: string,
    readonly code: string,
    readonly errno: number,
    readonly syscall: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The native socket could not be loaded on this machine; `reason` says why. */
export class NativeUnavailableError extends Error {
  override readonly name = 'NativeUnavailableError';
  readonly code = 'ENATIVEUNAVAILABLE';
  constructor(readonly reason: string) {
    super(`native backend unavailable: ${reason}`);
  }
}

/** The addon throws Error objects carrying code/errno/syscall; give them their class. */
export function toSocketError(err: unknown): unknown {
  if (err instanceof SocketError || !(err instanceof Error)) return err;
  const { code, errno, syscall } = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  if (typeof code !== 'string' || typeof errno !== 'number' || typeof syscall !== 'string') return err;
  return new SocketError(err.message, code, errno, syscall, { cause: err });
}
