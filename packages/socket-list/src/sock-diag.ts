import { AddressTable } from './address-table.js';
import type { ParseIssue } from './errors.js';
import type { InetColumns } from './inet-columns.js';
import { inetSocket, inetState, NO_TIMER, TIMERS } from './inet-record.js';
import type { Family, InetSocket, SocketRecord, SocketTimer } from './types.js';

/**
 * NETLINK_SOCK_DIAG, the way ss reads sockets (<linux/sock_diag.h>, <linux/inet_diag.h>): one
 * dump request per protocol and family (or one for TCP's two, see encodeTcpDiagDump), binary
 * answers with no text to format or parse. This file is the pure codec: requests out, records
 * or columns in, over bytes. A dump of 50,000 sockets is about 200 datagrams of 250 messages
 * each, so the answer is decoded where it lies: no object, view or copy per message, and each
 * distinct address formatted once per dump.
 */

export const SOCK_DIAG_BY_FAMILY = 20;
/** The older, TCP-only request (inet_diag's compatibility interface): see encodeTcpDiagDump. */
export const TCPDIAG_GETSOCK = 18;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_HDRLEN = 16;
const AF_INET = 2;
const AF_INET6 = 10;

/** The protocols sock_diag answers for here: raw and UNIX sockets come from /proc (see sockDiagSource). */
export type SockDiagProtocol = 'tcp' | 'udp';
const IPPROTO: Readonly<Record<SockDiagProtocol, number>> = { tcp: 6, udp: 17 };
/** INET_DIAG_SKMEMINFO (7) asked for as bit 7-1 of idiag_ext: it carries a UDP socket's drops. */
const EXT_SKMEMINFO = 1 << (7 - 1);
const INET_DIAG_SKMEMINFO = 7;
const SK_MEMINFO_DROPS = 8;
const REQUEST_LENGTH = 56;
const LEGACY_REQUEST_LENGTH = 60;
const MESSAGE_LENGTH = 72;
const TCP_LISTEN = 10;
/**
 * idiag_states: the states /proc/net lists, ESTABLISHED (1) to NEW_SYN_RECV (12). Not
 * BOUND_INACTIVE (13, Linux 6.8): a TCP socket bound but neither listening nor connecting, which
 * /proc never shows (nor ss, unless asked) and which the kernel finds only by walking its whole
 * table of bound ports, every time a dump resumes.
 */
const PROC_STATES = ((1 << 13) - 1) & ~1;

/** struct inet_diag_req_v2 asking for every socket of one protocol and family that /proc/net lists. */
export function encodeInetDiagRequest(protocol: SockDiagProtocol, family: Family): Uint8Array {
  const b = new Uint8Array(REQUEST_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = family === 4 ? AF_INET : AF_INET6;
  b[1] = IPPROTO[protocol];
  b[2] = protocol === 'udp' ? EXT_SKMEMINFO : 0;
  v.setUint32(4, PROC_STATES, true);
  return b; // the socket id (bytes 8-55) stays zero: no particular socket
}

/**
 * The older request, TCPDIAG_GETSOCK with a struct inet_diag_req (60 bytes): the kernel answers
 * it with the TCP sockets of both families in one walk of its tables (it asks for AF_UNSPEC on
 * our behalf), where SOCK_DIAG_BY_FAMILY takes one walk per family, and an IPv6 walk over a
 * table of IPv4 sockets costs nearly as much as the IPv4 one. The answer is the same
 * inet_diag_msg, the families interleaved in the kernel's table order.
 */
export function encodeTcpDiagDump(seq: number): Uint8Array {
  const b = new Uint8Array(NLMSG_HDRLEN + LEGACY_REQUEST_LENGTH);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint16(4, TCPDIAG_GETSOCK, true);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, true);
  v.setUint32(8, seq >>> 0, true);
  // idiag_family (ignored), src_len, dst_len, ext 0; the socket id (4-51) zero; then idiag_states.
  v.setUint32(NLMSG_HDRLEN + 52, PROC_STATES, true);
  return b;
}

/** The whole netlink message: header (host byte order, as all of netlink) and the request. */
export function encodeSockDiagDump(protocol: SockDiagProtocol, family: Family, seq: number): Uint8Array {
  const b = new Uint8Array(NLMSG_HDRLEN + REQUEST_LENGTH);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint16(4, SOCK_DIAG_BY_FAMILY, true);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, true);
  v.setUint32(8, seq >>> 0, true);
  b.set(encodeInetDiagRequest(protocol, family), NLMSG_HDRLEN);
  return b;
}

/**
 * Addresses as text, each formatted once per dump (see AddressTable): the records of a dump
 * share their address strings.
 */
export class AddressCache {
  readonly #table = new AddressTable();

  ipv4(b: Uint8Array, at: number): string {
    const t = this.#table;
    return t.texts[t.ipv4(b, at)]!;
  }

  ipv6(v: DataView, at: number): string {
    const t = this.#table;
    return t.texts[t.ipv6(v, at)]!;
  }
}

/**
 * Decodes the struct inet_diag_msg (and its attributes) in `b[at, end)` into the record the /proc
 * parser makes, with the same properties in the same order (so --json prints the same bytes).
 * Where the two interfaces differ the record follows /proc: a listener's send queue is 0 (netlink
 * reports the backlog limit there, as ss shows), and the timer's count is split as /proc splits
 * it (netlink's idiag_retrans is the probe count for keepalive and zero-window timers). Returns
 * null for bytes too short to be one, or of another address family.
 */
export function decodeInetDiagAt(
  b: Uint8Array,
  v: DataView,
  at: number,
  end: number,
  protocol: SockDiagProtocol,
  addresses: AddressCache,
): InetSocket | null {
  if (end - at < MESSAGE_LENGTH) return null;
  const familyCode = b[at];
  if (familyCode !== AF_INET && familyCode !== AF_INET6) return null;
  const family: Family = familyCode === AF_INET ? 4 : 6;
  const stateCode = b[at + 1]!;
  const timerCode = b[at + 2]!;
  const retrans = b[at + 3]!;
  const state = inetState(stateCode);
  const probeTimer = timerCode === 2 || timerCode === 4;
  const timer: SocketTimer =
    timerCode === 0 && retrans === 0
      ? NO_TIMER
      : {
          kind: TIMERS[timerCode] ?? 'unknown',
          expiresMs: v.getUint32(at + 52, true),
          retransmits: probeTimer ? 0 : retrans,
          probes: probeTimer ? retrans : 0,
        };
  const localAddress = family === 4 ? addresses.ipv4(b, at + 8) : addresses.ipv6(v, at + 8);
  const remoteAddress = family === 4 ? addresses.ipv4(b, at + 24) : addresses.ipv6(v, at + 24);
  const localPort = (b[at + 4]! << 8) | b[at + 5]!;
  const remotePort = (b[at + 6]! << 8) | b[at + 7]!;
  const receiveQueue = v.getUint32(at + 56, true);
  const sendQueue = state === 'LISTEN' ? 0 : v.getUint32(at + 60, true);
  const uid = v.getUint32(at + 64, true);
  const inode = v.getUint32(at + 68, true);
  return inetSocket(
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
    protocol === 'tcp' ? undefined : drops(v, at + MESSAGE_LENGTH, end),
  );
}

/**
 * decodeInetDiagAt into a row of `c` rather than a record: the same fields from the same bytes
 * (a test holds the two together), no object. False, adding no row, where decodeInetDiagAt
 * gives null.
 */
export function decodeInetDiagColumns(
  b: Uint8Array,
  v: DataView,
  at: number,
  end: number,
  protocol: SockDiagProtocol,
  c: InetColumns,
): boolean {
  if (end - at < MESSAGE_LENGTH) return false;
  const familyCode = b[at];
  if (familyCode !== AF_INET && familyCode !== AF_INET6) return false;
  const i = c.add();
  const stateCode = b[at + 1]!;
  const a = c.addresses;
  c.protocol[i] = protocol === 'tcp' ? 0 : 1;
  c.stateCode[i] = stateCode;
  c.localPort[i] = (b[at + 4]! << 8) | b[at + 5]!;
  c.remotePort[i] = (b[at + 6]! << 8) | b[at + 7]!;
  if (familyCode === AF_INET) {
    c.family[i] = 4;
    c.localAddress[i] = a.ipv4(b, at + 8);
    c.remoteAddress[i] = a.ipv4(b, at + 24);
  } else {
    c.family[i] = 6;
    c.localAddress[i] = a.ipv6(v, at + 8);
    c.remoteAddress[i] = a.ipv6(v, at + 24);
  }
  c.receiveQueue[i] = v.getUint32(at + 56, true);
  c.sendQueue[i] = stateCode === TCP_LISTEN ? 0 : v.getUint32(at + 60, true);
  c.uid[i] = v.getUint32(at + 64, true);
  c.inode[i] = v.getUint32(at + 68, true);
  return true;
}

/** One inet_diag_msg on its own (tests, callers with a message in hand); see decodeInetDiagAt. */
export function decodeInetDiagMessage(
  payload: Uint8Array,
  protocol: SockDiagProtocol,
  addresses: AddressCache = new AddressCache(),
): InetSocket | null {
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return decodeInetDiagAt(payload, v, 0, payload.length, protocol, addresses);
}

/** SK_MEMINFO_DROPS from the INET_DIAG_SKMEMINFO attribute in [at, end); 0 if the kernel sent none. */
function drops(v: DataView, from: number, end: number): number {
  let at = from;
  while (at + 4 <= end) {
    const len = v.getUint16(at, true);
    if (len < 4 || at + len > end) return 0;
    if ((v.getUint16(at + 2, true) & 0x3fff) === INET_DIAG_SKMEMINFO && len >= 4 + 4 * (SK_MEMINFO_DROPS + 1))
      return v.getUint32(at + 4 + 4 * SK_MEMINFO_DROPS, true);
    at += (len + 3) & ~3;
  }
  return 0;
}

/** How a datagram of a dump's answer ended: more to come, the end, the kernel's refusal, or bytes that are no netlink. */
export type DatagramEnd =
  | { readonly kind: 'more' }
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly errno: number }
  | { readonly kind: 'malformed'; readonly reason: string };

const MORE: DatagramEnd = { kind: 'more' };
const DONE: DatagramEnd = { kind: 'done' };

/**
 * Walks one datagram of the answer to dump `seq`, decoding its sockets into `out` (messages of
 * other sequence numbers pass by: a shared socket is fine). A message too short to be a socket
 * becomes an issue (`index` counts the dump's messages, for the issue's line); NLMSG_DONE ends
 * the dump, with the errno the kernel puts in it if the dump failed part way (as ss checks);
 * NLMSG_ERROR is the kernel's refusal. Pure and total over any bytes.
 */
export function readSockDiagDatagram(
  b: Uint8Array,
  seq: number,
  protocol: SockDiagProtocol,
  addresses: AddressCache,
  out: SocketRecord[],
  issues: ParseIssue[],
  index: { count: number },
  source: string,
): DatagramEnd {
  return walkSockDiagDatagram(b, seq, issues, index, source, (v, body, end) => {
    const s = decodeInetDiagAt(b, v, body, end, protocol, addresses);
    if (s === null) return false;
    out.push(s);
    return true;
  });
}

/**
 * The walk of readSockDiagDatagram with what to do with each socket message passed in:
 * `decode(view, body, end)` takes the message in [body, end) and says whether it was one. The
 * walk starts at byte `from` (the start of a message).
 * Answers to both requests count as socket messages: SOCK_DIAG_BY_FAMILY and TCPDIAG_GETSOCK.
 */
export function walkSockDiagDatagram(
  b: Uint8Array,
  seq: number,
  issues: ParseIssue[],
  index: { count: number },
  source: string,
  decode: (v: DataView, body: number, end: number) => boolean,
  from = 0,
): DatagramEnd {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = from;
  while (at < b.length) {
    if (b.length - at < NLMSG_HDRLEN)
      return { kind: 'malformed', reason: `${b.length - at} bytes left at offset ${at}, short of a header` };
    const len = v.getUint32(at, true);
    if (len < NLMSG_HDRLEN || len > b.length - at)
      return {
        kind: 'malformed',
        reason: `message length ${len} at offset ${at} of a ${b.length}-byte datagram`,
      };
    const type = v.getUint16(at + 4, true);
    if (v.getUint32(at + 8, true) === seq >>> 0) {
      const body = at + NLMSG_HDRLEN;
      const end = at + len;
      if (type === SOCK_DIAG_BY_FAMILY || type === TCPDIAG_GETSOCK) {
        index.count++;
        if (!decode(v, body, end))
          issues.push({ source, line: index.count, reason: `message of ${len - NLMSG_HDRLEN} bytes` });
      } else if (type === NLMSG_DONE) {
        const errno = end - body >= 4 ? -v.getInt32(body, true) : 0;
        return errno > 0 ? { kind: 'error', errno } : DONE;
      } else if (type === NLMSG_ERROR) {
        const errno = end - body >= 4 ? -v.getInt32(body, true) : 0;
        // An acknowledgement (errno 0) of a dump request ends it as NLMSG_DONE would.
        return errno === 0 ? DONE : { kind: 'error', errno };
      }
    }
    at += (len + 3) & ~3;
  }
  return MORE;
}

/**
 * readSockDiagDatagram into columns (see decodeInetDiagColumns), for the plain listing of a dump
 * of 50,000 sockets. The kernel's datagrams are runs of well-formed socket messages, so those are
 * read here through 32-bit views of the datagram (netlink is in host order, and its messages
 * 4-byte aligned), each address looked up only when it differs from the previous socket's;
 * anything else (another dump's message, the end, an error, a short or malformed message) is
 * left to walkSockDiagDatagram from where it starts. The rows and the end are those of the
 * general walk (a property test holds the two together).
 */
export function readSockDiagColumns(
  datagram: Uint8Array,
  seq: number,
  protocol: SockDiagProtocol,
  c: InetColumns,
  issues: ParseIssue[],
  index: { count: number },
  source: string,
): DatagramEnd {
  // Views need an aligned start; the addon's datagrams have one, a slice always does.
  const b = (datagram.byteOffset & 3) === 0 ? datagram : datagram.slice();
  const words = new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  const halves = new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
  const n = b.length;
  const mine = seq | 0;
  const protocolCode = protocol === 'tcp' ? 0 : 1;
  const a = c.addresses;
  // Room for every socket message the datagram can hold, so the loop holds the arrays.
  c.reserve(Math.floor(n / (NLMSG_HDRLEN + MESSAGE_LENGTH)));
  const { protocol: protocolColumn, family, stateCode: stateColumn, localPort, remotePort } = c;
  const { localAddress, remoteAddress, receiveQueue, sendQueue, uid, inode } = c;
  let i = c.count;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // The previous socket's addresses: family (0 none yet), words (IPv4: the first) and number.
  let lf = 0;
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  let localId = 0;
  let rf = 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  let remoteId = 0;
  let at = 0;
  while (n - at >= NLMSG_HDRLEN + MESSAGE_LENGTH) {
    const len = words[at >> 2]!;
    const type = halves[(at + 4) >> 1]!;
    if (
      len < NLMSG_HDRLEN + MESSAGE_LENGTH ||
      len > n - at ||
      (type !== SOCK_DIAG_BY_FAMILY && type !== TCPDIAG_GETSOCK) ||
      words[(at + 8) >> 2] !== mine
    )
      break;
    const m = at + NLMSG_HDRLEN;
    const familyCode = b[m];
    if (familyCode !== AF_INET && familyCode !== AF_INET6) break;
    index.count++;
    const stateCode = b[m + 1]!;
    const w = m >> 2;
    protocolColumn[i] = protocolCode;
    stateColumn[i] = stateCode;
    localPort[i] = (b[m + 4]! << 8) | b[m + 5]!;
    remotePort[i] = (b[m + 6]! << 8) | b[m + 7]!;
    if (familyCode === AF_INET) {
      family[i] = 4;
      const lk = words[w + 2]!;
      if (lf !== 4 || lk !== l0) {
        localId = a.ipv4(b, m + 8);
        lf = 4;
        l0 = lk;
      }
      const rk = words[w + 6]!;
      if (rf !== 4 || rk !== r0) {
        remoteId = a.ipv4(b, m + 24);
        rf = 4;
        r0 = rk;
      }
    } else {
      family[i] = 6;
      const v0 = words[w + 2]!;
      const v1 = words[w + 3]!;
      const v2 = words[w + 4]!;
      const v3 = words[w + 5]!;
      if (lf !== 6 || v0 !== l0 || v1 !== l1 || v2 !== l2 || v3 !== l3) {
        localId = a.ipv6(v, m + 8);
        lf = 6;
        l0 = v0;
        l1 = v1;
        l2 = v2;
        l3 = v3;
      }
      const u0 = words[w + 6]!;
      const u1 = words[w + 7]!;
      const u2 = words[w + 8]!;
      const u3 = words[w + 9]!;
      if (rf !== 6 || u0 !== r0 || u1 !== r1 || u2 !== r2 || u3 !== r3) {
        remoteId = a.ipv6(v, m + 24);
        rf = 6;
        r0 = u0;
        r1 = u1;
        r2 = u2;
        r3 = u3;
      }
    }
    localAddress[i] = localId;
    remoteAddress[i] = remoteId;
    // Typed-array stores take the 32 bits as unsigned: the words' sign does not matter.
    receiveQueue[i] = words[w + 14]!;
    sendQueue[i] = stateCode === TCP_LISTEN ? 0 : words[w + 15]!;
    uid[i] = words[w + 16]!;
    inode[i] = words[w + 17]!;
    i++;
    at += (len + 3) & ~3;
  }
  c.count = i;
  if (at >= n) return MORE;
  return walkSockDiagDatagram(
    b,
    seq,
    issues,
    index,
    source,
    (view, body, end) => decodeInetDiagColumns(b, view, body, end, protocol, c),
    at,
  );
}
