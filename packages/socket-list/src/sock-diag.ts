import { formatIpv6Groups } from './address.js';
import { type ParseIssue, SocketListError } from './errors.js';
import type { SocketQuery, SocketSource } from './source.js';
import type {
  Family,
  InetSocket,
  InetState,
  SocketProtocol,
  SocketRecord,
  SocketTimer,
  TimerKind,
} from './types.js';
import { TCP_STATES } from './types.js';

/**
 * NETLINK_SOCK_DIAG, the way ss reads sockets (<linux/sock_diag.h>, <linux/inet_diag.h>): one
 * dump request per protocol and family, binary answers with no text to format or parse. The
 * codec is pure; the dump itself is passed in (a NETLINK_SOCK_DIAG socket from
 * @netdiag/probe-socket and netlinkDump from @netdiag/interface-stats, which frame the
 * messages), so this package needs neither.
 */

/** Sends a dump request of `type` with `payload` and resolves with the answer's messages (NLMSG_DONE excluded). */
export type NetlinkDump = (
  type: number,
  payload: Uint8Array,
) => Promise<readonly { readonly type: number; readonly payload: Uint8Array }[]>;

export const SOCK_DIAG_BY_FAMILY = 20;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO: Readonly<Record<'tcp' | 'udp', number>> = { tcp: 6, udp: 17 };
/** INET_DIAG_SKMEMINFO (7) asked for as bit 7-1 of idiag_ext: it carries a UDP socket's drops. */
const EXT_SKMEMINFO = 1 << (7 - 1);
const INET_DIAG_SKMEMINFO = 7;
const SK_MEMINFO_DROPS = 8;
const REQUEST_LENGTH = 56;
const MESSAGE_LENGTH = 72;

/** struct inet_diag_req_v2 asking for every socket of one protocol and family, in every state. */
export function encodeInetDiagRequest(protocol: 'tcp' | 'udp', family: Family): Uint8Array {
  const b = new Uint8Array(REQUEST_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = family === 4 ? AF_INET : AF_INET6;
  b[1] = IPPROTO[protocol];
  b[2] = protocol === 'udp' ? EXT_SKMEMINFO : 0;
  v.setUint32(4, 0xffffffff, true); // idiag_states: all
  return b; // the socket id (bytes 8-55) stays zero: no particular socket
}

const TIMERS: readonly TimerKind[] = ['off', 'retransmit', 'keepalive', 'timewait', 'probe'];
const NO_TIMER: SocketTimer = { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 };
const NO_OWNERS: readonly never[] = [];

function address(b: Uint8Array, at: number, family: Family, groups: number[]): string {
  if (family === 4) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  for (let k = 0; k < 8; k++) groups[k] = (b[at + 2 * k]! << 8) | b[at + 2 * k + 1]!;
  return formatIpv6Groups(groups);
}

/**
 * Decodes one struct inet_diag_msg (and its attributes) into the record the /proc parser makes.
 * Where the two interfaces differ the record follows /proc: a listener's send queue is 0 (netlink
 * reports the backlog limit there, as ss shows), and the timer's count is split as /proc splits
 * it (netlink's idiag_retrans is the probe count for keepalive and zero-window timers).
 * Returns null for a message too short to be one.
 */
export function decodeInetDiagMessage(
  payload: Uint8Array,
  protocol: 'tcp' | 'udp',
  groups: number[] = [0, 0, 0, 0, 0, 0, 0, 0],
): InetSocket | null {
  if (payload.length < MESSAGE_LENGTH) return null;
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const familyCode = payload[0];
  if (familyCode !== AF_INET && familyCode !== AF_INET6) return null;
  const family: Family = familyCode === AF_INET ? 4 : 6;
  const stateCode = payload[1]!;
  const timerCode = payload[2]!;
  const retrans = payload[3]!;
  const state: InetState = (TCP_STATES[stateCode - 1] as InetState | undefined) ?? 'UNKNOWN';
  const expiresMs = v.getUint32(52, true);
  const probeTimer = timerCode === 2 || timerCode === 4;
  const timer: SocketTimer =
    timerCode === 0 && retrans === 0
      ? NO_TIMER
      : {
          kind: TIMERS[timerCode] ?? 'unknown',
          expiresMs,
          retransmits: probeTimer ? 0 : retrans,
          probes: probeTimer ? retrans : 0,
        };
  const rq = v.getUint32(56, true);
  const wq = v.getUint32(60, true);
  const base = {
    protocol,
    family,
    state,
    stateCode,
    localAddress: address(payload, 8, family, groups),
    localPort: v.getUint16(4, false),
    remoteAddress: address(payload, 24, family, groups),
    remotePort: v.getUint16(6, false),
    sendQueue: state === 'LISTEN' ? 0 : wq,
    receiveQueue: rq,
    uid: v.getUint32(64, true),
    timer,
    inode: v.getUint32(68, true),
    owners: NO_OWNERS,
  };
  if (protocol === 'tcp') return base;
  return { ...base, drops: udpDrops(payload.subarray(MESSAGE_LENGTH)) };
}

/** SK_MEMINFO_DROPS from the INET_DIAG_SKMEMINFO attribute; 0 if the kernel sent none. */
function udpDrops(attributes: Uint8Array): number {
  const v = new DataView(attributes.buffer, attributes.byteOffset, attributes.byteLength);
  let at = 0;
  while (at + 4 <= attributes.length) {
    const len = v.getUint16(at, true);
    if (len < 4 || at + len > attributes.length) return 0;
    if (
      (v.getUint16(at + 2, true) & 0x3fff) === INET_DIAG_SKMEMINFO &&
      len >= 4 + 4 * (SK_MEMINFO_DROPS + 1)
    ) {
      return v.getUint32(at + 4 + 4 * SK_MEMINFO_DROPS, true);
    }
    at += (len + 3) & ~3;
  }
  return 0;
}

/**
 * A SocketSource over NETLINK_SOCK_DIAG for TCP and UDP, IPv4 and IPv6; raw and UNIX sockets
 * come from `rest` (the /proc source). Pass it to listSockets as `source`:
 * `sockDiagSource((type, payload) => netlinkDump(socket, type, payload), procNetSource())`.
 */
export function sockDiagSource(dump: NetlinkDump, rest: SocketSource): SocketSource {
  return {
    name: `sock_diag+${rest.name}`,
    read: async (query: SocketQuery) => {
      const sockets: SocketRecord[] = [];
      const issues: ParseIssue[] = [];
      const groups = [0, 0, 0, 0, 0, 0, 0, 0];
      for (const protocol of ['tcp', 'udp'] as const) {
        if (!query.protocols.has(protocol)) continue;
        for (const family of [4, 6] as const) {
          if (!query.families.has(family)) continue;
          let messages: Awaited<ReturnType<NetlinkDump>>;
          try {
            messages = await dump(SOCK_DIAG_BY_FAMILY, encodeInetDiagRequest(protocol, family));
          } catch (err) {
            throw new SocketListError(
              'READ_FAILED',
              `sock_diag dump of ${protocol}${family === 6 ? '6' : ''}: ${(err as Error).message}`,
              { cause: err },
            );
          }
          messages.forEach((m, i) => {
            if (m.type !== SOCK_DIAG_BY_FAMILY) return;
            const s = decodeInetDiagMessage(m.payload, protocol, groups);
            if (s === null)
              issues.push({
                source: `sock_diag ${protocol}${family}`,
                line: i + 1,
                reason: `message of ${m.payload.length} bytes`,
              });
            else sockets.push(s);
          });
        }
      }
      const others = new Set(
        [...query.protocols].filter((p): p is SocketProtocol => p === 'raw' || p === 'unix'),
      );
      if (others.size > 0) {
        const r = await rest.read({ protocols: others, families: query.families });
        for (const s of r.sockets) sockets.push(s);
        for (const x of r.issues) issues.push(x);
      }
      return { sockets, issues };
    },
  };
}
