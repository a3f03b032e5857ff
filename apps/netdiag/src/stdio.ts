// The standard output and error a command writes to. Why not always process.stdout: creating it
// loads node:stream (and for a pipe node:net), 2 ms of a run that writes a few lines (--cpu-prof
// of `trace -n` to /dev/null). Where fd 1 or 2 is a pipe, socket, file or /dev/null, writes go
// straight to the descriptor, synchronously as Node's own stdio does on Linux; anything that may
// be a terminal gets the process's stream, which Ink needs anyway.
import { fstatSync, writeSync } from 'node:fs';
import type { Output } from './io.js';

/** Major number of /dev/null, /dev/zero and the other memory devices: never a terminal. */
const MEM_MAJOR = 1;

export function outputFor(fd: 1 | 2, stream: () => Output): Output {
  return surelyNotTerminal(fd) ? new FdOutput(fd) : stream();
}

function surelyNotTerminal(fd: number): boolean {
  try {
    const s = fstatSync(fd);
    if (s.isFIFO() || s.isSocket() || s.isFile()) return true;
    return s.isCharacterDevice() && Math.floor(s.rdev / 256) % 4096 === MEM_MAJOR;
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes each chunk whole before returning, as process.stdout does for pipes and files on Linux. */
export class FdOutput implements Output {
  readonly isTTY = false;
  constructor(readonly fd: number) {}

  write(chunk: string | Uint8Array, callback?: (err?: Error | null) => void): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let done = 0; done < bytes.length; ) {
      try {
        done += writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A reader that stopped reading (`netdiag ping host | head -3`) is not an error to
        // report: end quietly, as ping does when SIGPIPE ends it.
        if (code === 'EPIPE') process.exit(0);
        // A descriptor left non-blocking by whoever opened it: wait for the reader, briefly.
        if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
        else outputFailed(err);
      }
    }
    if (callback) process.nextTick(callback);
    return true;
  }
}

/**
 * Output that cannot be written (a full disk: ENOSPC; a device error: EIO) ends the run with one
 * line and exit 2, wherever the write was: the command cannot do its job, and it is no bug of
 * ours. The line goes straight to descriptor 2, which may be the one that failed; then nothing
 * more can be said, and the exit code says it. NETDIAG_DEBUG=1 adds the stack.
 */
export function outputFailed(err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  // Node's message for a system error is `CODE: what, syscall`: keep the what.
  const what = /^[A-Z0-9_]+: ([^,]+)/.exec(e?.message ?? '')?.[1] ?? e?.code ?? String(err);
  try {
    writeSync(2, `netdiag: writing output: ${what}\n`);
    if (process.env.NETDIAG_DEBUG) writeSync(2, `${e?.stack ?? ''}\n`);
  } catch {
    // stderr failed as well: the exit code is all that is left to say it.
  }
  process.exit(2);
}
