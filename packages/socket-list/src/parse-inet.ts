import { type ByteOrder, formatIpv4Word, formatIpv6Groups, readIpv6 } from './address.js';
import { type ParseIssue, SocketListError } from './errors.js';
import { LineCursor, forEachLine, headerOf } from './scan.js';
import type { Family, InetProtocol, InetSocket, InetState, SocketTimer, TimerKind } from './types.js';
import { TCP_STATES } from './types.js';

export interface InetTableOptions {
  readonly protocol: InetProtocol;
  readonly family: Family;
  /** The byte order of the machine that wrote the text (os.endianness()). */
  readonly byteOrder: ByteOrder;
}

export interface ParsedTable<T> {
  readonly records: T[];
  /** Lines skipped as malformed (a race with the kernel, or a format this parser does not know). */
  readonly issues: ParseIssue[];
}

const TIMERS: readonly TimerKind[] = ['off', 'retransmit', 'keepalive', 'timewait', 'probe'];
const NO_TIMER: SocketTimer = { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 };
/** The kernel prints timer deadlines in USER_HZ ticks (100 per second on every Linux ABI). */
const MS_PER_TICK = 10;
const NO_OWNERS: readonly never[] = [];

/**
 * Parses /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}. Pure: the text is passed in. Malformed lines are
 * skipped and reported in `issues`; only a header that is not a socket table throws
 * (SocketListError BAD_HEADER). Addresses repeat (127.0.0.1, ::), so each distinct hex address
 * is formatted once per call.
 */
export function parseInetTable(text: string, options: InetTableOptions): ParsedTable<InetSocket> {
  const { protocol, family, byteOrder } = options;
  const source = `${protocol}${family === 6 ? '6' : ''}`;
  const header = headerOf(text);
  if (!/^\s*sl\s+local_address\s+rem(?:ote)?_address\s+st\s/.test(header)) {
    throw new SocketListError('BAD_HEADER', `/proc/net/${source}: not a socket table (header '${header.slice(0, 60)}')`);
  }
  const records: InetSocket[] = [];
  const issues: ParseIssue[] = [];
  const c = new LineCursor(text);
  const cache4 = new Map<number, string>();
  const cache6 = new Map<string, string>();
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  const isTcp = protocol === 'tcp';

  const readAddress = (): string => {
    if (family === 4) {
      const w = c.hex(8, 8);
      if (!c.ok) return '';
      let s = cache4.get(w);
      if (s === undefined) {
        s = formatIpv4Word(w, byteOrder);
        cache4.set(w, s);
      }
      return s;
    }
    const key = text.slice(c.i, c.i + 32);
    if (!readIpv6(c, byteOrder, groups)) return '';
    let s = cache6.get(key);
    if (s === undefined) {
      s = formatIpv6Groups(groups);
      cache6.set(key, s);
    }
    return s;
  };

  forEachLine(text, (start, end, line) => {
    c.reset(start, end);
    c.skipSpaces();
    c.dec(); // sl: the slot number, meaningless outside this read
    c.expect(58); // ':'
    c.skipSpaces();
    const localAddress = readAddress();
    c.expect(58);
    const localPort = c.hex(4, 4);
    c.skipSpaces();
    const remoteAddress = readAddress();
    c.expect(58);
    const remotePort = c.hex(4, 4);
    c.skipSpaces();
    const stateCode = c.hex(2, 2);
    c.skipSpaces();
    const sendQueue = c.hex(1, 16);
    c.expect(58);
    const receiveQueue = c.hex(1, 16);
    c.skipSpaces();
    const timerCode = c.hex(1, 2);
    c.expect(58);
    const ticks = c.hex(1, 16);
    c.skipSpaces();
    const retransmits = c.hex(1, 16);
    c.skipSpaces();
    const uid = c.dec();
    c.skipSpaces();
    const probes = c.dec();
    c.skipSpaces();
    const inode = c.dec();
    let drops: number | undefined;
    if (!isTcp && c.ok) {
      // udp and raw lines end with: ref pointer drops
      c.skipSpaces();
      c.dec();
      c.skipSpaces();
      c.skipField();
      c.skipSpaces();
      drops = c.dec();
    }
    if (!c.ok) {
      issues.push({ source, line, reason: `malformed field near column ${c.i - start + 1}` });
      return;
    }
    const state: InetState = (TCP_STATES[stateCode - 1] as InetState | undefined) ?? 'UNKNOWN';
    const timer: SocketTimer =
      timerCode === 0 && retransmits === 0 && probes === 0
        ? NO_TIMER
        : { kind: TIMERS[timerCode] ?? 'unknown', expiresMs: ticks * MS_PER_TICK, retransmits, probes };
    const rec: InetSocket =
      drops === undefined
        ? { protocol, family, state, stateCode, localAddress, localPort, remoteAddress, remotePort, sendQueue, receiveQueue, uid, timer, inode, owners: NO_OWNERS }
        : { protocol, family, state, stateCode, localAddress, localPort, remoteAddress, remotePort, sendQueue, receiveQueue, uid, timer, inode, owners: NO_OWNERS, drops };
    records.push(rec);
  });
  return { records, issues };
}
