import type { Family, InetProtocol, InetSocket, InetState, SocketTimer, TimerKind } from './types.js';
import { TCP_STATES } from './types.js';

/** Timer kinds by the kernel's number, as /proc/net/tcp and inet_diag both number them. */
export const TIMERS: readonly TimerKind[] = ['off', 'retransmit', 'keepalive', 'timewait', 'probe'];
export const NO_TIMER: SocketTimer = { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 };
/** Shared by every record (inet and UNIX) until process owners are joined in. */
export const NO_OWNERS: readonly never[] = [];

/** The TCP state of a kernel state number (1 = ESTABLISHED ...), UNKNOWN for any other. */
export function inetState(stateCode: number): InetState {
  return (TCP_STATES[stateCode - 1] as InetState | undefined) ?? 'UNKNOWN';
}

/**
 * An InetSocket record. Every source (/proc lines in both parsers, sock_diag) builds its records
 * here, so they share one field order and one object shape (what V8's inline caches want on a
 * 50,000-socket listing) and cannot drift apart. Positional, not an options object: this runs once
 * per socket on the hot path. `drops` is undefined for TCP, which the kernel does not count.
 */
export function inetSocket(
  protocol: InetProtocol,
  family: Family,
  state: InetState,
  stateCode: number,
  localAddress: string,
  localPort: number,
  remoteAddress: string,
  remotePort: number,
  sendQueue: number,
  receiveQueue: number,
  uid: number,
  timer: SocketTimer,
  inode: number,
  drops: number | undefined,
): InetSocket {
  // Two literals rather than a spread: one allocation per socket, and one shape for each kind.
  return drops === undefined
    ? {
        protocol,
        family,
        state,
        stateCode,
        localAddress,
        localPort,
        remoteAddress,
        remotePort,
        sendQueue,
        receiveQueue,
        uid,
        timer,
        inode,
        owners: NO_OWNERS,
      }
    : {
        protocol,
        family,
        state,
        stateCode,
        localAddress,
        localPort,
        remoteAddress,
        remotePort,
        sendQueue,
        receiveQueue,
        uid,
        timer,
        inode,
        owners: NO_OWNERS,
        drops,
      };
}
