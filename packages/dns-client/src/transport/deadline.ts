import { abortError, DnsError } from '../errors.js';

/**
 * The shared edges of every transport: a deadline and an AbortSignal that both end the wait,
 * act at once if the signal already fired, and are detached when the exchange settles.
 */
export function withDeadline<T>(
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
  describeTimeout: () => string,
  run: (
    settle: { resolve(v: T): void; reject(e: unknown): void },
    onCleanup: (fn: () => void) => void,
  ) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const fn of cleanups.splice(0)) {
        try {
          fn();
        } catch {
          // Closing an already closed socket is not a failure of the query.
        }
      }
    };
    const settle = {
      resolve(v: T) {
        if (done) return;
        finish();
        resolve(v);
      },
      reject(e: unknown) {
        if (done) return;
        finish();
        reject(e);
      },
    };
    const onAbort = () => settle.reject(abortError(signal!));
    const timer = setTimeout(
      () => settle.reject(new DnsError('TIMEOUT', describeTimeout())),
      options.timeoutMs,
    );
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      run(settle, (fn) => (done ? fn() : cleanups.push(fn)));
    } catch (err) {
      settle.reject(err);
    }
  });
}

export function ignoredNote(ignored: readonly string[]): string {
  if (ignored.length === 0) return '';
  const shown = ignored.slice(0, 3).join('; ');
  return ` (ignored ${ignored.length} unacceptable repl${ignored.length === 1 ? 'y' : 'ies'}: ${shown}${ignored.length > 3 ? '; ...' : ''})`;
}

export function serverText(s: { address: string; port: number }): string {
  return s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
}

/**
 * What the system errors a query meets mean, in a person's words. Node's own text for them
 * (`connect EMFILE 192.0.2.53:53 - Local (undefined:undefined)`) says less than the code.
 */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENETUNREACH: 'network is unreachable',
  EHOSTUNREACH: 'no route to host',
  ENETDOWN: 'network is down',
  EADDRNOTAVAIL: 'no local address to send from',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (a firewall rule?)',
  EMFILE: 'too many open files (raise the limit: ulimit -n)',
  ENFILE: 'too many open files in the system',
  ENOBUFS: 'no buffer space available',
  ENOMEM: 'out of memory',
};

/** A socket error in one line: its code once, then what it means (or what Node says). */
export function errorText(err: NodeJS.ErrnoException): string {
  const known = err.code === undefined ? undefined : ERRNO_TEXT[err.code];
  if (known !== undefined) return `${err.code} (${known})`;
  const text = err.message.replace(/\s+/g, ' ');
  return err.code && !text.includes(err.code) ? `${err.code} ${text}` : text;
}
