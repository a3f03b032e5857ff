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

/** Which rows by role: those listening, those not, or all (see netstat's Role). */
export type RowRole = 'connected' | 'listening' | 'all';

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
export function inetColumnsTable(
  c: InetColumns,
  role: RowRole,
): { header: string; body: Buffer; rows: number } {
  const rows = rowsInOrder(c, role);
  const texts = textBytes(c, rows);
  const w = measureColumns(c, rows, texts);
  const wrq = Math.max(6, decimalWidth(w.maxRq));
  const wsq = Math.max(6, decimalWidth(w.maxSq));
  const atSq = 6 + wrq + 1;
  const atLocal = atSq + wsq + 1;
  const atRemote = atLocal + w.wl + 1;
  const atState = atRemote + w.wr + 1;
  // The texts go after the rows' room, where copyWithin finds them.
  const room = rows.length * (atState + w.ws + 1) + 1;
  const buf = Buffer.alloc(room + texts.bytes.length, 32);
  buf.set(texts.bytes, room);
  const at = writeColumnRows(buf, room, c, rows, texts, {
    rqEnd: 6 + wrq,
    sqEnd: atSq + wsq,
    atLocal,
    atRemote,
    atState,
  });
  return { header: inetHeaderLine(wrq, wsq, w.wl, w.wr), body: buf.subarray(0, at), rows: rows.length };
}

/**
 * The rows kept for `role`, ordered by (protocol, family) group, the kernel's order within each:
 * a counting sort, two passes whatever the mix.
 */
function rowsInOrder(c: InetColumns, role: RowRole): Uint32Array {
  const n = c.count;
  const groupOf = new Int8Array(n);
  const starts = new Uint32Array(2 * INET_PROTOCOLS.length + 1);
  const { protocol, family, stateCode } = c;
  const all = role === 'all';
  const wantListening = role === 'listening';
  for (let i = 0; i < n; i++) {
    const p = protocol[i]!;
    const st = stateCode[i]!;
    // Listening (isListening, by number): a TCP listener, an unconnected UDP or raw socket.
    if (!all && (p === 0 ? st === 10 : st === 7) !== wantListening) {
      groupOf[i] = -1;
      continue;
    }
    const g = 2 * p + (family[i] === 6 ? 1 : 0);
    groupOf[i] = g;
    starts[g + 1]!++;
  }
  for (let g = 1; g < starts.length; g++) starts[g]! += starts[g - 1]!;
  const rows = new Uint32Array(starts[starts.length - 1]!);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (g >= 0) rows[starts[g]!++] = i;
  }
  return rows;
}

/**
 * Every text the rows print, as bytes in one array: address `a` and the ':' after it at
 * addressStart[a] for addressLength[a] + 1 bytes; the state cell of protocol p and state number s at
 * stateStart[256 * p + s] (stateLength likewise); the protocol cell ('tcp', 'udp6', ...) of
 * protocol p and family f at protoStart[2 * p + (f === 6)].
 */
interface TextBytes {
  readonly bytes: Uint8Array;
  readonly addressStart: Int32Array;
  readonly addressLength: Int32Array;
  readonly stateStart: Int32Array;
  readonly stateLength: Int32Array;
  readonly protoStart: Int32Array;
  readonly protoLength: Int32Array;
}

function textBytes(c: InetColumns, rows: Uint32Array): TextBytes {
  const parts: string[] = [];
  let length = 0;
  const add = (text: string) => {
    parts.push(text);
    const at = length;
    length += text.length;
    return at;
  };
  const texts = c.addresses.texts;
  const addressStart = new Int32Array(texts.length);
  const addressLength = new Int32Array(texts.length);
  for (let a = 0; a < texts.length; a++) {
    addressStart[a] = add(`${texts[a]!}:`);
    addressLength[a] = texts[a]!.length;
  }
  const stateStart = new Int32Array(256 * INET_PROTOCOLS.length).fill(-1);
  const stateLength = new Int32Array(256 * INET_PROTOCOLS.length);
  const { protocol, stateCode } = c;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const k = 256 * protocol[i]! + stateCode[i]!;
    if (stateStart[k] !== -1) continue;
    const code = stateCode[i]!;
    const label = inetStateLabel(INET_PROTOCOLS[protocol[i]!]!, inetState(code), code);
    stateStart[k] = add(label);
    stateLength[k] = label.length;
  }
  const protoStart = new Int32Array(2 * INET_PROTOCOLS.length);
  const protoLength = new Int32Array(2 * INET_PROTOCOLS.length);
  INET_PROTOCOLS.forEach((name, p) => {
    for (const v6 of [0, 1]) {
      const label = v6 ? `${name}6` : name;
      protoStart[2 * p + v6] = add(label);
      protoLength[2 * p + v6] = label.length;
    }
  });
  // Addresses, state and protocol names are ASCII: latin1 is their bytes.
  const bytes = Buffer.from(parts.join(''), 'latin1');
  return { bytes, addressStart, addressLength, stateStart, stateLength, protoStart, protoLength };
}

/** The widths of the address and state columns and the largest queues (see measureInetColumns in netstat.ts). */
function measureColumns(c: InetColumns, rows: Uint32Array, t: TextBytes) {
  const { localAddress, remoteAddress, localPort, remotePort, protocol, stateCode, receiveQueue, sendQueue } =
    c;
  const { addressLength, stateLength } = t;
  let wl = 13; // 'Local Address'
  let wr = 15; // 'Foreign Address'
  let ws = 5; // 'State'
  let maxRq = 0;
  let maxSq = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    // address, ':', then the port's digits (port 0 as '*').
    const lp = localPort[i]!;
    const rp = remotePort[i]!;
    const l =
      addressLength[localAddress[i]!]! + (lp < 10 ? 2 : lp < 100 ? 3 : lp < 1000 ? 4 : lp < 10000 ? 5 : 6);
    const rr =
      addressLength[remoteAddress[i]!]! + (rp < 10 ? 2 : rp < 100 ? 3 : rp < 1000 ? 4 : rp < 10000 ? 5 : 6);
    const st = stateLength[256 * protocol[i]! + stateCode[i]!]!;
    if (l > wl) wl = l;
    if (rr > wr) wr = rr;
    if (st > ws) ws = st;
    if (receiveQueue[i]! > maxRq) maxRq = receiveQueue[i]!;
    if (sendQueue[i]! > maxSq) maxSq = sendQueue[i]!;
  }
  return { wl, wr, ws, maxRq, maxSq };
}

interface RowOffsets {
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
 * optimised yet.
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
  const { addressStart, addressLength, stateStart, stateLength, protoStart, protoLength } = t;
  const { rqEnd, sqEnd, atLocal, atRemote, atState } = o;
  let at = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    buf[at] = 10;
    const base = at + 1;
    const p = protocol[i]!;
    let k = 2 * p + (family[i] === 6 ? 1 : 0);
    let from = texts + protoStart[k]!;
    buf.copyWithin(base, from, from + protoLength[k]!);
    // Queues, right-aligned; integer steps rather than Math.floor (a call, in the interpreter).
    let v = receiveQueue[i]!;
    let to = base + rqEnd - 1;
    do {
      const d = v % 10;
      buf[to--] = 48 + d;
      v = (v - d) / 10;
    } while (v > 0);
    v = sendQueue[i]!;
    to = base + sqEnd - 1;
    do {
      const d = v % 10;
      buf[to--] = 48 + d;
      v = (v - d) / 10;
    } while (v > 0);
    // Local and foreign endpoints: 'address:' then the port (0 as '*').
    k = localAddress[i]!;
    from = texts + addressStart[k]!;
    to = base + atLocal + addressLength[k]! + 1;
    buf.copyWithin(base + atLocal, from, from + addressLength[k]! + 1);
    v = localPort[i]!;
    if (v === 0) buf[to] = 42;
    else {
      to += v < 10 ? 0 : v < 100 ? 1 : v < 1000 ? 2 : v < 10000 ? 3 : 4;
      do {
        const d = v % 10;
        buf[to--] = 48 + d;
        v = (v - d) / 10;
      } while (v > 0);
    }
    k = remoteAddress[i]!;
    from = texts + addressStart[k]!;
    to = base + atRemote + addressLength[k]! + 1;
    buf.copyWithin(base + atRemote, from, from + addressLength[k]! + 1);
    v = remotePort[i]!;
    if (v === 0) buf[to] = 42;
    else {
      to += v < 10 ? 0 : v < 100 ? 1 : v < 1000 ? 2 : v < 10000 ? 3 : 4;
      do {
        const d = v % 10;
        buf[to--] = 48 + d;
        v = (v - d) / 10;
      } while (v > 0);
    }
    // State, the last cell: unpadded, so the line ends with it.
    k = 256 * p + stateCode[i]!;
    from = texts + stateStart[k]!;
    buf.copyWithin(base + atState, from, from + stateLength[k]!);
    at = base + atState + stateLength[k]!;
  }
  return at;
}
