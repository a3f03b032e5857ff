// The bytes of netstat's Internet table: the cells netstat -tan prints, written into one buffer.
// Shared by the table over records (netstat.ts, any columns and filters) and the table over
// sock_diag columns (inetColumnsTable, the plain listing without a record per socket).
import {
  INET_PROTOCOLS,
  type InetColumns,
  type InetProtocol,
  type InetState,
  inetState,
} from '@netdiag/socket-list';
import type { Role } from './netstat.js';

/** Runs of spaces by length, so padding a cell allocates nothing. */
const PAD: readonly string[] = Array.from({ length: 128 }, (_, k) => ' '.repeat(k));
export const pad = (k: number) => PAD[k] ?? ' '.repeat(k);

export function decimalWidth(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  let w = 6;
  for (let v = Math.floor(n / 1000000); v > 0; v = Math.floor(v / 10)) w++;
  return w;
}

/**
 * Copies an ASCII string (addresses, protocol and state names) byte by byte: cheaper than
 * Buffer#write, which looks its encoding up on every call, for the 100,000 short strings of a
 * 50,000-socket listing.
 */
export function putAscii(buf: Buffer, at: number, text: string): number {
  const n = text.length;
  for (let k = 0; k < n; k++) buf[at + k] = text.charCodeAt(k);
  return n;
}

/** Width of `:PORT` after the address, port 0 printed as `*`. */
export function portWidth(port: number): number {
  return port === 0 ? 1 : decimalWidth(port);
}

/** Writes n's digits so that the last one is at end - 1 (right-aligned in a space-filled buffer). */
export function writeDecimalEndingAt(buf: Buffer, end: number, n: number): void {
  let v = n;
  let k = end - 1;
  do {
    buf[k--] = 48 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
}

export function writeEndpoint(buf: Buffer, at: number, address: string, port: number): void {
  const a = at + putAscii(buf, at, address);
  buf[a] = 58; // ':'
  if (port === 0)
    buf[a + 1] = 42; // '*'
  else writeDecimalEndingAt(buf, a + 1 + decimalWidth(port), port);
}

/** netstat's state column for an Internet socket; unconnected UDP/raw as ss's UNCONN so every row has one word there. */
export function inetStateLabel(protocol: InetProtocol, state: InetState, stateCode: number): string {
  if (protocol !== 'tcp') return state === 'CLOSE' ? 'UNCONN' : state;
  return state === 'UNKNOWN' ? `UNKNOWN(${stateCode})` : state;
}

/** The header line of the six columns every Internet table has, padded to the columns' widths. */
export function inetHeaderLine(wrq: number, wsq: number, wl: number, wr: number): string {
  return `Proto ${pad(wrq - 6)}Recv-Q ${pad(wsq - 6)}Send-Q Local Address${pad(wl - 13)} Foreign Address${pad(wr - 15)} State`;
}

/**
 * The Internet table (header line and row bytes, each row starting with a newline) of the
 * sockets in `c` of `role`, in netstat's order: TCP then UDP then raw, IPv4 before IPv6 of each,
 * the kernel's order within (so one sock_diag dump of both families, interleaved, prints as the
 * per-family dumps do). The text is exactly what inetTable prints for the records decoded from
 * the same bytes (a test holds the two together), without those records: at 50,000 sockets they
 * cost more to make and collect than the whole table costs to write.
 *
 * A CLI runs these loops once, mostly before V8 has optimised them (its optimising compile of
 * the row writer takes a few milliseconds on another thread while 10,000 rows go by), so they are
 * written for the interpreter and the baseline compiler: no calls but builtins, every text
 * (addresses, states, protocol names) turned into bytes once and copied with copyWithin, digits by
 * integer arithmetic rather than Math.floor.
 */
export function inetColumnsTable(c: InetColumns, role: Role): { header: string; body: Buffer; rows: number } {
  const texts = textBytes(c);
  const scan = scanRows(c, role, texts);
  const rows = rowsInOrder(c, scan);
  const wrq = Math.max(6, decimalWidth(scan.maxRq));
  const wsq = Math.max(6, decimalWidth(scan.maxSq));
  const atSq = 6 + wrq + 1;
  const atLocal = atSq + wsq + 1;
  const atRemote = atLocal + scan.wl + 1;
  const atState = atRemote + scan.wr + 1;
  // Each line starts with one of six prefixes: the protocol cell and both queues at 0, which
  // most sockets have (a queue that is not is written over it).
  const prefixes = INET_PROTOCOLS.flatMap((name) =>
    [name, `${name}6`].map((label) => `${label.padEnd(6 + wrq - 1)}0${pad(wsq)}0 `),
  );
  const bytes = Buffer.from(texts.parts.join('') + prefixes.join(''), 'latin1');
  // The texts go after the rows' room, where copyWithin finds them. Not Buffer.alloc(n, 32):
  // that writes the megabytes twice, zeros then spaces.
  const room = rows.length * (atState + scan.ws + 1) + 1;
  const buf = Buffer.allocUnsafe(room + bytes.length).fill(32, 0, room);
  buf.set(bytes, room);
  const at = writeColumnRows(buf, room, c, rows, texts, {
    prefixes: room + texts.length,
    rqEnd: 6 + wrq,
    sqEnd: atSq + wsq,
    atLocal,
    atRemote,
    atState,
  });
  return { header: inetHeaderLine(wrq, wsq, scan.wl, scan.wr), body: buf.subarray(0, at), rows: rows.length };
}

/**
 * Every text the rows print but the line prefixes, to be joined in `parts` order: address `a` and
 * the ':' after it at addressStart[a] for addressLength[a] + 1 characters; the state cell of
 * protocol p and state number s at stateStart[256 * p + s] for stateLength[...] characters (0:
 * not added yet, see addState). `length` characters in all. Addresses and state names are ASCII:
 * as latin1, a character is a byte.
 */
interface TextBytes {
  readonly parts: string[];
  length: number;
  readonly addressStart: Int32Array;
  readonly addressLength: Int32Array;
  readonly stateStart: Int32Array;
  readonly stateLength: Int32Array;
}

function textBytes(c: InetColumns): TextBytes {
  const texts = c.addresses.texts;
  const t: TextBytes = {
    parts: [],
    length: 0,
    addressStart: new Int32Array(texts.length),
    addressLength: new Int32Array(texts.length),
    stateStart: new Int32Array(256 * INET_PROTOCOLS.length),
    stateLength: new Int32Array(256 * INET_PROTOCOLS.length),
  };
  for (let a = 0; a < texts.length; a++) {
    t.addressStart[a] = t.length;
    t.addressLength[a] = texts[a]!.length;
    t.parts.push(`${texts[a]!}:`);
    t.length += texts[a]!.length + 1;
  }
  return t;
}

/** Adds the state cell of protocol number p and state number `code`; returns its length. */
function addState(t: TextBytes, p: number, code: number): number {
  const label = inetStateLabel(INET_PROTOCOLS[p]!, inetState(code), code);
  t.stateStart[256 * p + code] = t.length;
  t.stateLength[256 * p + code] = label.length;
  t.parts.push(label);
  t.length += label.length;
  return label.length;
}

/** What one pass over the sockets learns: which rows `role` keeps, in which group, and the columns' widths. */
interface RowScan {
  /** Each row's group, 2 * protocol + (IPv6 ? 1 : 0), or -1 if `role` drops it. */
  readonly groupOf: Int8Array;
  /** Rows kept per group. */
  readonly counts: Uint32Array;
  readonly kept: number;
  /** The kept rows are in group order already (no IPv6 among IPv4 TCP sockets, say). */
  readonly inOrder: boolean;
  readonly wl: number;
  readonly wr: number;
  readonly ws: number;
  readonly maxRq: number;
  readonly maxSq: number;
}

/**
 * The one pass over all the sockets before writing: role (isListening, by number: a TCP
 * listener, an unconnected UDP or raw socket), group, and the widths of the address and state
 * columns and the largest queues (see measureInetColumns in netstat.ts) over the rows kept.
 */
function scanRows(c: InetColumns, role: Role, t: TextBytes): RowScan {
  const n = c.count;
  const groupOf = new Int8Array(n);
  const counts = new Uint32Array(2 * INET_PROTOCOLS.length);
  const {
    protocol,
    family,
    stateCode,
    localAddress,
    remoteAddress,
    localPort,
    remotePort,
    receiveQueue,
    sendQueue,
  } = c;
  const { addressLength, stateLength } = t;
  const all = role === 'all';
  const wantListening = role === 'listening';
  let kept = 0;
  let last = 0;
  let inOrder = true;
  let wl = 13; // 'Local Address'
  let wr = 15; // 'Foreign Address'
  let ws = 5; // 'State'
  let maxRq = 0;
  let maxSq = 0;
  for (let i = 0; i < n; i++) {
    const p = protocol[i]!;
    const st = stateCode[i]!;
    if (!all && (p === 0 ? st === 10 : st === 7) !== wantListening) {
      groupOf[i] = -1;
      continue;
    }
    const g = 2 * p + (family[i] === 6 ? 1 : 0);
    groupOf[i] = g;
    counts[g]!++;
    kept++;
    if (g < last) inOrder = false;
    last = g;
    // address, ':', then the port's digits (port 0 as '*').
    const lp = localPort[i]!;
    const rp = remotePort[i]!;
    const l =
      addressLength[localAddress[i]!]! + (lp < 10 ? 2 : lp < 100 ? 3 : lp < 1000 ? 4 : lp < 10000 ? 5 : 6);
    const r =
      addressLength[remoteAddress[i]!]! + (rp < 10 ? 2 : rp < 100 ? 3 : rp < 1000 ? 4 : rp < 10000 ? 5 : 6);
    let sl = stateLength[256 * p + st]!;
    if (sl === 0) sl = addState(t, p, st);
    if (l > wl) wl = l;
    if (r > wr) wr = r;
    if (sl > ws) ws = sl;
    if (receiveQueue[i]! > maxRq) maxRq = receiveQueue[i]!;
    if (sendQueue[i]! > maxSq) maxSq = sendQueue[i]!;
  }
  return { groupOf, counts, kept, inOrder, wl, wr, ws, maxRq, maxSq };
}

/** The kept rows in group order, the kernel's order within each group (a counting sort's placing pass). */
function rowsInOrder(c: InetColumns, scan: RowScan): Uint32Array {
  const n = c.count;
  const rows = new Uint32Array(scan.kept);
  const { groupOf } = scan;
  if (scan.inOrder) {
    let r = 0;
    for (let i = 0; i < n; i++) if (groupOf[i]! >= 0) rows[r++] = i;
    return rows;
  }
  const next = new Uint32Array(scan.counts.length);
  for (let g = 1; g < next.length; g++) next[g] = next[g - 1]! + scan.counts[g - 1]!;
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (g >= 0) rows[next[g]!++] = i;
  }
  return rows;
}

interface RowOffsets {
  /** Where the six line prefixes sit in the buffer (see inetColumnsTable), each atLocal bytes. */
  readonly prefixes: number;
  /** Where the right-aligned queues end, and where the other cells start, within a line. */
  readonly rqEnd: number;
  readonly sqEnd: number;
  readonly atLocal: number;
  readonly atRemote: number;
  readonly atState: number;
}

/**
 * Writes the rows' lines into the space-filled `buf` (see writeInetRows in netstat.ts), whose
 * texts (TextBytes) sit at `texts` onwards; returns the bytes written. Texts are copied with
 * copyWithin: one call costs what two or three bytes cost copied one by one in a loop V8 has not
 * optimised yet. Digits come of integer steps (`(v / 10) >>> 0` is a multiplication once
 * optimised, where `Math.floor` is a call before and a float division after).
 */
function writeColumnRows(
  buf: Buffer,
  texts: number,
  c: InetColumns,
  rows: Uint32Array,
  t: TextBytes,
  o: RowOffsets,
): number {
  const {
    protocol,
    family,
    stateCode,
    localAddress,
    remoteAddress,
    localPort,
    remotePort,
    receiveQueue,
    sendQueue,
  } = c;
  const { addressStart, addressLength, stateStart, stateLength } = t;
  const { prefixes, rqEnd, sqEnd, atLocal, atRemote, atState } = o;
  let at = 0;
  // The last line, if both its queues are 0, and what it shows: a line that differs from it only
  // in its ports is a copy of it with the ports written over (the two ends of a connection, a
  // server's many clients of one address): one copy where there were four.
  let last = -1;
  let lastFamily = 0;
  let lastLocal = -1;
  let lastRemote = -1;
  let lastState = -1;
  let lastLocalDigits = 0;
  let lastRemoteDigits = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    buf[at] = 10;
    const base = at + 1;
    const p = protocol[i]!;
    const la = localAddress[i]!;
    const ra = remoteAddress[i]!;
    const fam = family[i]!;
    const k = 256 * p + stateCode[i]!;
    let rq = receiveQueue[i]!;
    let sq = sendQueue[i]!;
    let lp = localPort[i]!;
    let rp = remotePort[i]!;
    const localDigits = lp < 10 ? 1 : lp < 100 ? 2 : lp < 1000 ? 3 : lp < 10000 ? 4 : 5;
    const remoteDigits = rp < 10 ? 1 : rp < 100 ? 2 : rp < 1000 ? 3 : rp < 10000 ? 4 : 5;
    const lc = base + atLocal + addressLength[la]! + 1;
    const rc = base + atRemote + addressLength[ra]! + 1;
    if (
      last >= 0 &&
      rq === 0 &&
      sq === 0 &&
      la === lastLocal &&
      ra === lastRemote &&
      k === lastState &&
      fam === lastFamily
    ) {
      buf.copyWithin(base, last, last + atState + stateLength[k]!);
      // A shorter port than the copied line's leaves its digits to blank.
      for (let d = localDigits; d < lastLocalDigits; d++) buf[lc + d] = 32;
      for (let d = remoteDigits; d < lastRemoteDigits; d++) buf[rc + d] = 32;
      last = base;
    } else {
      let from = prefixes + (2 * p + (fam === 6 ? 1 : 0)) * atLocal;
      buf.copyWithin(base, from, from + atLocal);
      let to = base + rqEnd - 1;
      last = rq === 0 && sq === 0 ? base : -1;
      while (rq > 0) {
        const q = (rq / 10) >>> 0;
        buf[to--] = 48 + rq - q * 10;
        rq = q;
      }
      to = base + sqEnd - 1;
      while (sq > 0) {
        const q = (sq / 10) >>> 0;
        buf[to--] = 48 + sq - q * 10;
        sq = q;
      }
      // 'address:' of each end; the state, the last cell, unpadded so the line ends with it.
      from = texts + addressStart[la]!;
      buf.copyWithin(base + atLocal, from, from + addressLength[la]! + 1);
      from = texts + addressStart[ra]!;
      buf.copyWithin(base + atRemote, from, from + addressLength[ra]! + 1);
      from = texts + stateStart[k]!;
      buf.copyWithin(base + atState, from, from + stateLength[k]!);
      lastFamily = fam;
      lastLocal = la;
      lastRemote = ra;
      lastState = k;
    }
    lastLocalDigits = localDigits;
    lastRemoteDigits = remoteDigits;
    // The ports (0 as '*'), right to left from their last digit.
    if (lp === 0) buf[lc] = 42;
    else {
      let to = lc + localDigits - 1;
      while (lp > 0) {
        const q = (lp / 10) >>> 0;
        buf[to--] = 48 + lp - q * 10;
        lp = q;
      }
    }
    if (rp === 0) buf[rc] = 42;
    else {
      let to = rc + remoteDigits - 1;
      while (rp > 0) {
        const q = (rp / 10) >>> 0;
        buf[to--] = 48 + rp - q * 10;
        rp = q;
      }
    }
    at = base + atState + stateLength[k]!;
  }
  return at;
}
