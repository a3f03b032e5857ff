import type { SocketRecord } from './types.js';

/**
 * A key that names the same socket across two listings. Inet sockets are named by protocol and
 * both endpoints (a TIME_WAIT socket has no inode); UNIX sockets by inode (most have no path).
 */
export function socketKey(s: SocketRecord): string {
  if (s.protocol === 'unix') return `unix ${s.inode}`;
  return `${s.protocol}${s.family} ${s.localAddress} ${s.localPort} ${s.remoteAddress} ${s.remotePort} ${s.inode}`;
}

export interface SocketDiff {
  /** Keys of sockets in `next` that were not in `previous`. */
  readonly opened: ReadonlySet<string>;
  /** Sockets of `previous` that are gone from `next`. */
  readonly closed: readonly SocketRecord[];
}

/** What changed between two listings (a live view marks new sockets and keeps closed ones for a moment). */
export function diffSockets(previous: readonly SocketRecord[], next: readonly SocketRecord[]): SocketDiff {
  const before = new Map<string, SocketRecord>();
  for (const s of previous) before.set(socketKey(s), s);
  const opened = new Set<string>();
  for (const s of next) {
    const k = socketKey(s);
    if (!before.delete(k)) opened.add(k);
  }
  return { opened, closed: [...before.values()] };
}
