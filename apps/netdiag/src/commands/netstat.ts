import {
  type Family,
  type InetSocket,
  isListening,
  listSockets,
  type ProtocolCounters,
  parseFilter,
  type Route,
  RouteFlag,
  readCounters,
  readRoutes,
  type SocketFilter,
  SocketListError,
  type SocketListing,
  type SocketProtocol,
  type SocketRecord,
  type SocketSource,
  type UnixSocket,
} from '@netdiag/socket-list';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { printable } from '../printable.js';
import { checkUser, dropAfterOpen, userOption } from '../privilege.js';
import {
  decimalWidth,
  inetColumnsTable,
  inetHeaderLine,
  inetStateLabel,
  pad,
  portWidth,
  putAscii,
  writeDecimalEndingAt,
  writeEndpoint,
} from './netstat-inet-bytes.js';
import { openSocketReader, type SourceChoice } from './netstat-source.js';

export { printable };

export const help = `usage: netdiag netstat [options] [FILTER]

Lists sockets (TCP, UDP, raw, UNIX; IPv4 and IPv6) with their state, addresses, queues and
owning process, the routing tables (-r) or the kernel's protocol counters (-s). TCP and UDP
sockets are read over netlink (sock_diag, as ss reads them), the rest from /proc (as netstat).

options:
  -t, -u, -w, -x   TCP, UDP, raw, UNIX sockets (default: all four)
  -4, -6           IPv4 or IPv6 sockets only (UNIX sockets only with -x)
  -l               listening sockets only (TCP LISTEN, unconnected UDP/raw, accepting UNIX)
  -a               listening and connected sockets (default: connected only)
  -n               numeric output; accepted for familiarity: addresses and ports are always
                   numeric, netdiag never looks names up
  -p               PID/Program name of the owner (one scan of /proc/*/fd per listing)
  -e               extended: User (uid) and Inode columns
  -o               timers: kind (time left/retransmits/probes), as netstat -o
  -r               routing tables (IPv4 main table and IPv6) instead of sockets
  -s               protocol counters (/proc/net/snmp, netstat, snmp6); -t/-u/-w/-4/-6 narrow them
  -c               continuous: list again every interval (--interval, default 1 s)
  --interval SEC   seconds between listings with -c (default 1)
  -W               accepted for familiarity: columns grow to fit, no address is ever cut
  --source SRC     where TCP and UDP sockets are read from: netlink (sock_diag; the default,
                   falling back to proc where no netlink socket opens) or proc (/proc/net);
                   the listing is the same
  long forms as netstat's: --tcp --udp --raw --unix --inet --inet6 --listening --all
  --numeric --program --extend --timers --route --statistics --continuous --wide
  --json           NDJSON: one socket (or route) per line, each the record of @netdiag/socket-list
                   (see packages/socket-list/README.md); -s prints one object {Group: {Name: n}};
                   with -c, one JSON array per listing per line
  --user NAME      started as root, become NAME once the netlink socket is open (as tcpdump
                   -Z); every capability is dropped then in any case, but -p keeps the two it
                   needs to read other users' /proc/PID/fd: CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE
  -h, --help       this help

FILTER is an ss expression:
  state NAME | exclude NAME     established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,
                                time-wait, closed, close-wait, last-ack, listening, closing,
                                or a group: all, connected, synchronized, bucket, big
  sport|dport OP :PORT          OP: = != < > <= >= (or eq ne lt gt le ge)
  src|dst [!=] ADDR[/LEN][:PORT]  e.g. dst 192.0.2.0/24, src [2001:db8::1]:443, src :22
  joined by and, or, not (&&, ||, !) and ( ); words side by side mean and.
  example: netdiag netstat -tan state established '( dport = :443 or sport = :443 )'

On a terminal the listing is live: it refreshes every interval, new sockets are marked + and
closed ones - for a moment; keys: s sort column, r reverse, / filter, space pause, q quit.
Piped (or with NETDIAG_NO_TTY), it prints netstat's columns once (or every interval with -c).
Without permission to read other users' processes (-p as non-root), the listing still comes and a
line on stderr says how many processes could not be seen.
Exit status: 0 if a socket (route, counter) was listed, 1 if none matched, 2 on error.`;

const flags = {
  tcp: { type: 'boolean', short: 't' },
  udp: { type: 'boolean', short: 'u' },
  raw: { type: 'boolean', short: 'w' },
  unix: { type: 'boolean', short: 'x' },
  inet: { type: 'boolean', short: '4' },
  inet6: { type: 'boolean', short: '6' },
  listening: { type: 'boolean', short: 'l' },
  all: { type: 'boolean', short: 'a' },
  numeric: { type: 'boolean', short: 'n' },
  program: { type: 'boolean', short: 'p' },
  // netstat cuts long addresses unless -W; netdiag never cuts, so -W is accepted and changes nothing.
  wide: { type: 'boolean', short: 'W' },
  extend: { type: 'boolean', short: 'e' },
  timers: { type: 'boolean', short: 'o' },
  route: { type: 'boolean', short: 'r' },
  statistics: { type: 'boolean', short: 's' },
  continuous: { type: 'boolean', short: 'c' },
  interval: { type: 'string' },
  source: { type: 'string' },
  json: { type: 'boolean' },
  ...userOption,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which sockets by their role: plain netstat shows connected ones, -l listeners, -a both. */
export type Role = 'connected' | 'listening' | 'all';

export interface NetstatOptions {
  readonly mode: 'sockets' | 'routes' | 'counters';
  readonly protocols: readonly SocketProtocol[];
  readonly families: readonly Family[];
  readonly role: Role;
  readonly programs: boolean;
  readonly extend: boolean;
  readonly timers: boolean;
  readonly continuous: boolean;
  readonly intervalMs: number;
  readonly json: boolean;
  readonly filter: SocketFilter | null;
  readonly source: SourceChoice;
  /** --user: the user to become once the sockets are open (root only). */
  readonly user?: string;
  readonly help: boolean;
}

/** Parses the command line; bad flags and bad filters become one-line UsageErrors. Pure. */
export function parseNetstatArgs(args: string[]): NetstatOptions {
  const { values: v, positionals } = parseCommandArgs('netstat', args, flags);
  if (v.route && v.statistics) throw new UsageError('netstat: -r and -s exclude each other');
  if (v.inet && v.inet6) throw new UsageError('netstat: -4 and -6 exclude each other');
  const families: Family[] = v.inet ? [4] : v.inet6 ? [6] : [4, 6];
  const chosen: SocketProtocol[] = [];
  if (v.tcp) chosen.push('tcp');
  if (v.udp) chosen.push('udp');
  if (v.raw) chosen.push('raw');
  if (v.unix) chosen.push('unix');
  // -4/-6 are about IP: without -x they leave UNIX sockets out, as netstat -4 does.
  const protocols: SocketProtocol[] =
    chosen.length > 0 ? chosen : v.inet || v.inet6 ? ['tcp', 'udp', 'raw'] : ['tcp', 'udp', 'raw', 'unix'];
  const seconds = numberFlag('netstat', '--interval', v.interval, { min: 0.1, max: 86_400 });
  if (seconds !== undefined && !v.continuous) throw new UsageError('netstat: --interval goes with -c');
  if (v.source !== undefined && v.source !== 'netlink' && v.source !== 'proc')
    throw new UsageError(`netstat: --source is netlink or proc, not '${v.source}'`);
  let filter: SocketFilter | null = null;
  if (positionals.length > 0) {
    if (v.route || v.statistics)
      throw new UsageError(
        `netstat: a filter ('${positionals.join(' ')}') applies to sockets, not to -r or -s`,
      );
    try {
      filter = parseFilter(positionals);
    } catch (err) {
      if (err instanceof SocketListError) throw new UsageError(`netstat: ${err.message}`);
      throw err;
    }
  }
  return {
    mode: v.route ? 'routes' : v.statistics ? 'counters' : 'sockets',
    protocols,
    families,
    // A state filter decides the states by itself, as in ss: `state listening` needs no -l.
    role: v.all || filter?.states ? 'all' : v.listening ? 'listening' : 'connected',
    programs: v.program === true,
    extend: v.extend === true,
    timers: v.timers === true,
    continuous: v.continuous === true,
    intervalMs: (seconds ?? 1) * 1000,
    json: v.json === true,
    filter,
    source: v.source ?? 'auto',
    ...(v.user !== undefined && { user: v.user }),
    help: v.help === true,
  };
}

export function keepRole(role: Role): (s: SocketRecord) => boolean {
  if (role === 'all') return () => true;
  return role === 'listening' ? isListening : (s) => !isListening(s);
}

/** One listing for the chosen options from `source` (see openSocketReader), with the role (-l/-a) applied. */
export async function loadListing(o: NetstatOptions, source: SocketSource): Promise<SocketListing> {
  const listing = await listSockets({
    protocols: o.protocols,
    families: o.families,
    processes: o.programs,
    source,
    ...(o.filter !== null && { filter: o.filter }),
  });
  if (o.role === 'all') return listing;
  return { ...listing, sockets: listing.sockets.filter(keepRole(o.role)) };
}

// ---- netstat's columns ----

export function protoLabel(s: SocketRecord): string {
  return s.protocol === 'unix' ? 'unix' : s.family === 6 ? `${s.protocol}6` : s.protocol;
}

export function endpoint(address: string, port: number): string {
  return `${address}:${port === 0 ? '*' : port}`;
}

/** netstat's state column; unconnected UDP/raw as ss's UNCONN so every row has one word there. */
export function stateLabel(s: SocketRecord): string {
  if (s.protocol === 'unix') {
    return s.state === 'LISTEN' ? 'LISTENING' : s.state;
  }
  return inetStateLabel(s.protocol, s.state, s.stateCode);
}

export function ownerLabel(s: SocketRecord): string {
  const o = s.owners[0];
  return o === undefined ? '-' : `${o.pid}/${printable(o.command)}`;
}

export function timerLabel(s: InetSocket): string {
  const t = s.timer;
  return `${t.kind} (${(t.expiresMs / 1000).toFixed(2)}/${t.retransmits}/${t.probes})`;
}

/** Lays out rows under a header; every column but the last is padded to its widest cell, none is cut. */
export function layout(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
): string {
  const columns = header.map((_, i) => rows.map((r) => r[i] ?? ''));
  return layoutColumns(header, columns, rightAligned);
}

/**
 * The same, over columns rather than rows: 50,000 sockets become a dozen arrays of strings, not
 * 50,000 small arrays, and each line is one concatenation. Formatting is most of what netstat
 * does after reading /proc, so this is where a listing's time goes.
 */
export function layoutColumns(
  header: readonly string[],
  columns: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
): string {
  const last = header.length - 1;
  const widths = header.map((h, i) => {
    let w = h.length;
    if (i < last) for (const c of columns[i]!) if (c.length > w) w = c.length;
    return w;
  });
  const right = header.map((_, i) => rightAligned.has(i));
  const rows = columns[0]?.length ?? 0;
  const cell = (text: string, i: number) =>
    i === last ? text : right[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  let out = header.map(cell).join(' ').trimEnd();
  for (let r = 0; r < rows; r++) {
    let line = cell(columns[0]![r]!, 0);
    for (let i = 1; i <= last; i++) line += ` ${cell(columns[i]![r]!, i)}`;
    out += `\n${trimEndIfBlank(line)}`;
  }
  return out;
}

/** trimEnd only when needed: most lines end in a non-blank last column. */
function trimEndIfBlank(line: string): string {
  return line.charCodeAt(line.length - 1) === 32 ? line.trimEnd() : line;
}

export interface ColumnOptions {
  readonly programs: boolean;
  readonly extend: boolean;
  readonly timers: boolean;
}

export function inetHeader(o: ColumnOptions): string[] {
  const h = ['Proto', 'Recv-Q', 'Send-Q', 'Local Address', 'Foreign Address', 'State'];
  if (o.extend) h.push('User', 'Inode');
  if (o.programs) h.push('PID/Program name');
  if (o.timers) h.push('Timer');
  return h;
}

export function inetRow(s: InetSocket, o: ColumnOptions): string[] {
  const r = [
    protoLabel(s),
    String(s.receiveQueue),
    String(s.sendQueue),
    endpoint(s.localAddress, s.localPort),
    endpoint(s.remoteAddress, s.remotePort),
    stateLabel(s),
  ];
  if (o.extend) r.push(String(s.uid), String(s.inode));
  if (o.programs) r.push(ownerLabel(s));
  if (o.timers) r.push(timerLabel(s));
  return r;
}

export function unixHeader(o: ColumnOptions): string[] {
  const h = ['Proto', 'RefCnt', 'Flags', 'Type', 'State', 'I-Node'];
  if (o.programs) h.push('PID/Program name');
  h.push('Path');
  return h;
}

export function unixRow(s: UnixSocket, o: ColumnOptions): string[] {
  const r = [
    'unix',
    String(s.refCount),
    s.state === 'LISTEN' ? '[ ACC ]' : '[ ]',
    s.type.toUpperCase(),
    stateLabel(s),
    String(s.inode),
  ];
  if (o.programs) r.push(ownerLabel(s));
  r.push(s.path === null ? '' : printable(s.path));
  return r;
}

const ROLE_TITLE: Readonly<Record<Role, string>> = {
  connected: '(w/o servers)',
  listening: '(only servers)',
  all: '(servers and established)',
};

/** The whole listing as netstat prints it: Internet sockets, then UNIX sockets. */
export function formatSockets(
  sockets: readonly SocketRecord[],
  role: Role,
  o: ColumnOptions,
  protocols: readonly SocketProtocol[],
): string {
  return socketTableChunks(sockets, role, o, protocols)
    .map((c) => (typeof c === 'string' ? c : c.toString('utf8')))
    .join('');
}

/**
 * The listing as chunks to write in turn: the Internet table stays the buffer it was written
 * into (turning 3 MB of bytes into a string and back for stdout cost about 40 ms at 43,000
 * sockets).
 */
export function socketTableChunks(
  sockets: readonly SocketRecord[],
  role: Role,
  o: ColumnOptions,
  protocols: readonly SocketProtocol[],
): (string | Buffer)[] {
  // Without UNIX sockets (-t, -u, -w, -4, -6) the listing is the Internet table as it is.
  let inet: readonly InetSocket[] = sockets as readonly InetSocket[];
  const unix: string[][] = [];
  if (!sockets.every((s) => s.protocol !== 'unix')) {
    const list: InetSocket[] = [];
    for (const s of sockets) {
      if (s.protocol === 'unix') unix.push(unixRow(s, o));
      else list.push(s);
    }
    inet = list;
  }
  const chunks: (string | Buffer)[] = [];
  if (protocols.some((p) => p !== 'unix')) {
    const t = inetTableBytes(inet, o);
    chunks.push(`Active Internet connections ${ROLE_TITLE[role]}\n${t.header}`, t.body, '\n');
  }
  if (protocols.includes('unix')) {
    chunks.push(
      `Active UNIX domain sockets ${ROLE_TITLE[role]}\n${layout(unixHeader(o), unix, new Set())}\n`,
    );
  }
  return chunks;
}

/**
 * The Internet table, the hot path of a listing: one pass for the column widths, one that writes
 * bytes into a buffer filled with spaces (padding is then free), so 50,000 lines leave no
 * strings behind for the garbage collector. Building lines by string concatenation kept every
 * line alive as a rope until the final write, and the young-generation collections copying them
 * cost more than the formatting itself (about 20 ms of 30 at 10,000 sockets). The optional
 * columns (-e, -p, -o) are few and small; they go in as strings. The text is exactly what
 * layout(inetHeader(o), rows of inetRow) gives (a test holds the two together).
 */
export function inetTable(list: readonly InetSocket[], o: ColumnOptions): string {
  const t = inetTableBytes(list, o);
  return t.header + t.body.toString('utf8');
}

/** inetTable as its header line and the bytes of the rows (each row starts with a newline). */
export function inetTableBytes(
  list: readonly InetSocket[],
  o: ColumnOptions,
): { header: string; body: Buffer } {
  const n = list.length;
  const header = inetHeader(o);
  const { wl, wr, ws, maxRq, maxSq } = measureInetColumns(list, header);
  const wrq = Math.max(header[1]!.length, decimalWidth(maxRq));
  const wsq = Math.max(header[2]!.length, decimalWidth(maxSq));
  // Optional columns: their own widths, the last one unpadded.
  const cellsOf: ((s: InetSocket) => string)[] = [];
  if (o.extend)
    cellsOf.push(
      (s) => String(s.uid),
      (s) => String(s.inode),
    );
  if (o.programs) cellsOf.push(ownerLabel);
  if (o.timers) cellsOf.push(timerLabel);
  const extra: string[][] = cellsOf.map((f) => {
    const column = new Array<string>(n);
    for (let i = 0; i < n; i++) column[i] = f(list[i]!);
    return column;
  });
  const extraWidths = extra.map((column, k) => {
    let w = header[6 + k]!.length;
    for (const c of column) if (c.length > w) w = c.length;
    return w;
  });
  let headerLine = inetHeaderLine(wrq, wsq, wl, wr);
  extraWidths.forEach((w, k) => {
    const h = header[6 + k]!;
    headerLine += `${k === 0 ? pad(ws - 5) : ''} ${h}${k === extraWidths.length - 1 ? '' : pad(w - h.length)}`;
  });
  // Offsets within a line, and a bound on its bytes (UTF-8 takes at most 3 bytes per UTF-16 unit).
  const atRq = 6;
  const atSq = atRq + wrq + 1;
  const atLocal = atSq + wsq + 1;
  const atRemote = atLocal + wl + 1;
  const atState = atRemote + wr + 1;
  let lineBound = atState + ws + 1;
  for (const w of extraWidths) lineBound += 1 + 3 * w;
  const buf = Buffer.alloc(n * lineBound + 1, 32);
  const at = writeInetRows(buf, list, {
    atRq: atRq + wrq,
    atSq: atSq + wsq,
    atLocal,
    atRemote,
    atState,
    ws,
    extra,
    extraWidths,
  });
  return { header: headerLine, body: buf.subarray(0, at) };
}

/**
 * The widths of the Internet table's columns. Each pass over the sockets is a function of its
 * own: V8 optimises a long loop while it runs (on-stack replacement), and with both passes in one
 * function the optimised code of the first knew nothing of the second and was thrown away at
 * its start, leaving the second to the interpreter for thousands of lines.
 */
function measureInetColumns(list: readonly InetSocket[], header: readonly string[]) {
  let wl = header[3]!.length;
  let wr = header[4]!.length;
  let ws = header[5]!.length;
  let maxRq = 0;
  let maxSq = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const l = s.localAddress.length + 1 + portWidth(s.localPort);
    const r = s.remoteAddress.length + 1 + portWidth(s.remotePort);
    const st = stateLabel(s).length;
    if (l > wl) wl = l;
    if (r > wr) wr = r;
    if (st > ws) ws = st;
    if (s.receiveQueue > maxRq) maxRq = s.receiveQueue;
    if (s.sendQueue > maxSq) maxSq = s.sendQueue;
  }
  return { wl, wr, ws, maxRq, maxSq };
}

interface InetRowLayout {
  /** Where the right-aligned queues end, and where the other cells start, within a line. */
  readonly atRq: number;
  readonly atSq: number;
  readonly atLocal: number;
  readonly atRemote: number;
  readonly atState: number;
  readonly ws: number;
  readonly extra: readonly (readonly string[])[];
  readonly extraWidths: readonly number[];
}

/** Writes each socket's line (a newline, then the cells) into the space-filled `buf`; returns the bytes written. */
function writeInetRows(buf: Buffer, list: readonly InetSocket[], c: InetRowLayout): number {
  const { atRq, atSq, atLocal, atRemote, atState, ws, extra, extraWidths } = c;
  const hasExtra = extra.length > 0;
  let at = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    buf[at] = 10;
    const base = at + 1;
    const p = putAscii(buf, base, s.protocol);
    if (s.family === 6) buf[base + p] = 54; // '6'
    writeDecimalEndingAt(buf, base + atRq, s.receiveQueue);
    writeDecimalEndingAt(buf, base + atSq, s.sendQueue);
    writeEndpoint(buf, base + atLocal, s.localAddress, s.localPort);
    writeEndpoint(buf, base + atRemote, s.remoteAddress, s.remotePort);
    const st = stateLabel(s);
    putAscii(buf, base + atState, st);
    at = base + atState + (hasExtra ? ws : st.length);
    for (let k = 0; k < extra.length; k++) {
      const cell = extra[k]![i]!;
      const lastColumn = k === extra.length - 1;
      // The last cell is written unpadded, and a trailing blank is trimmed as layout() does.
      const text = lastColumn && cell.endsWith(' ') ? cell.trimEnd() : cell;
      at += 1 + buf.write(text, at + 1, 'utf8');
      if (!lastColumn) at += extraWidths[k]! - cell.length;
    }
  }
  return at;
}

const ROUTE_LETTERS: readonly [number, string][] = [
  [RouteFlag.Up, 'U'],
  [RouteFlag.Gateway, 'G'],
  [RouteFlag.Host, 'H'],
  [RouteFlag.Reinstate, 'R'],
  [RouteFlag.Dynamic, 'D'],
  [RouteFlag.Modified, 'M'],
  [RouteFlag.AddrConf, 'A'],
  [RouteFlag.Cache, 'C'],
  [RouteFlag.NoNextHop, 'n'],
  [RouteFlag.Reject, '!'],
];

export function routeFlags(r: Route): string {
  return ROUTE_LETTERS.filter(([bit]) => (r.flags & bit) !== 0)
    .map(([, l]) => l)
    .join('');
}

function netmask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}`;
}

/** Routes as `netstat -rn` prints them (and `netstat -rn -6` for IPv6). */
export function formatRoutes(routes: readonly Route[], families: readonly Family[]): string {
  const parts: string[] = [];
  if (families.includes(4)) {
    const rows = routes
      .filter((r) => r.family === 4)
      .map((r) => [
        r.destination,
        r.gateway ?? '0.0.0.0',
        netmask(r.prefixLength),
        routeFlags(r),
        String(r.mtu ?? 0),
        String(r.window ?? 0),
        String(r.irtt ?? 0),
        printable(r.device),
      ]);
    parts.push(
      `Kernel IP routing table\n${layout(['Destination', 'Gateway', 'Genmask', 'Flags', 'MSS', 'Window', 'irtt', 'Iface'], rows, new Set([4, 6]))}`,
    );
  }
  if (families.includes(6)) {
    const rows = routes
      .filter((r) => r.family === 6)
      .map((r) => [
        `${r.destination}/${r.prefixLength}`,
        r.gateway ?? '::',
        routeFlags(r),
        String(r.metric),
        r.type,
        printable(r.device),
      ]);
    parts.push(
      `Kernel IPv6 routing table\n${layout(['Destination', 'Next Hop', 'Flag', 'Met', 'Type', 'If'], rows, new Set([3]))}`,
    );
  }
  return `${parts.join('\n')}\n`;
}

/** Which counter groups -t, -u, -w, -4 and -6 keep (netstat -st shows TCP's only). */
export function counterGroups(
  counters: ProtocolCounters,
  protocols: readonly SocketProtocol[],
  families: readonly Family[],
): string[] {
  const byProtocol: Readonly<Record<string, SocketProtocol>> = {
    Tcp: 'tcp',
    TcpExt: 'tcp',
    MPTcpExt: 'tcp',
    Udp: 'udp',
    UdpLite: 'udp',
    Udp6: 'udp',
    UdpLite6: 'udp',
  };
  return Object.keys(counters).filter((g) => {
    const v6 = g.endsWith('6');
    if (!families.includes(v6 ? 6 : 4)) return false;
    // Ip, Icmp and the rest belong to raw (-w), as in netstat -s -w; with no choice all show.
    return protocols.includes(byProtocol[g] ?? 'raw');
  });
}

export function formatCounters(counters: ProtocolCounters, groups: readonly string[]): string {
  const out: string[] = [];
  for (const g of groups) {
    const values = counters[g]!;
    const names = Object.keys(values);
    const w = Math.max(0, ...names.map((n) => n.length));
    out.push(`${g}:`);
    for (const n of names) out.push(`    ${n.padEnd(w)} ${values[n]}`);
  }
  return `${out.join('\n')}\n`;
}

/** Lines for stderr: what the listing could not see or parse. */
export function listingWarnings(listing: SocketListing): string[] {
  const w: string[] = [];
  const hidden = listing.hiddenPids?.length ?? 0;
  if (hidden > 0) {
    w.push(
      `netdiag: netstat: could not read the descriptors of ${hidden} process${hidden === 1 ? '' : 'es'} (other users'; run as root to see them): their sockets show no PID/Program name`,
    );
  }
  const skipped = listing.issues.filter((i) => i.line > 0);
  if (skipped.length > 0) {
    const sources = [...new Set(skipped.map((i) => i.source))].join(', ');
    w.push(
      `netdiag: netstat: skipped ${skipped.length} malformed line${skipped.length === 1 ? '' : 's'} in /proc/net (${sources})`,
    );
  }
  return w;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function wrapKernelError(err: unknown): never {
  if (err instanceof SocketListError)
    throw new CliError(`netstat: ${err.message}`, ExitCode.Error, { cause: err });
  throw err;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const o = parseNetstatArgs(args);
  if (o.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  await checkUser('netstat', o.user);
  try {
    if (o.mode === 'routes' || o.mode === 'counters') {
      // Plain files: nothing privileged to open first.
      await dropAfterOpen('netstat', o.user, io);
      return o.mode === 'routes'
        ? await repeat(o, io, () => printRoutes(o, io))
        : await repeat(o, io, () => printCounters(o, io));
    }
    const reader = await openSocketReader(o.source, o.protocols);
    try {
      // -p reads other users' /proc/PID/fd at every listing: it keeps what that takes, no more.
      await dropAfterOpen('netstat', o.user, io, o.programs ? 'process-owners' : 'nothing');
      if (wantsLiveView(io, o.json)) {
        const { runNetstatLive } = await import('../views/netstat-live.js');
        return await runNetstatLive(o, io, reader.source);
      }
      return await repeat(o, io, () => printSockets(o, io, reader.source));
    } finally {
      reader.close();
    }
  } catch (err) {
    return wrapKernelError(err);
  }
}

/** Runs `once` one time, or every interval until interrupted with -c; the exit code of the last run. */
async function repeat(o: NetstatOptions, io: CommandIo, once: () => Promise<number>): Promise<number> {
  let code = await once();
  while (o.continuous && !io.signal.aborted) {
    await sleep(o.intervalMs, io.signal);
    if (io.signal.aborted) break;
    if (!o.json) io.stdout.write('\n');
    code = await once();
  }
  return code;
}

/**
 * Whether the listing is the plain Internet table (netstat -tan, -tln, -uan, ...): TCP and UDP
 * only, no filter, no column beyond the six, no records to print (--json). Such a listing is
 * written straight from the source's columns where it has them (sock_diag), with no record per
 * socket.
 */
export function isPlainInetListing(o: NetstatOptions): boolean {
  return (
    !o.json &&
    !o.programs &&
    !o.extend &&
    !o.timers &&
    o.filter === null &&
    o.protocols.every((p) => p === 'tcp' || p === 'udp')
  );
}

async function printSockets(o: NetstatOptions, io: CommandIo, source: SocketSource): Promise<number> {
  if (isPlainInetListing(o) && source.readColumns !== undefined) {
    const got = await source.readColumns({ protocols: new Set(o.protocols), families: new Set(o.families) });
    if (got !== null) {
      for (const w of listingWarnings({ sockets: [], issues: got.issues })) io.stderr.write(`${w}\n`);
      const t = inetColumnsTable(got.columns, o.role);
      io.stdout.write(`Active Internet connections ${ROLE_TITLE[o.role]}\n${t.header}`);
      io.stdout.write(t.body);
      io.stdout.write('\n');
      return t.rows > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
    }
  }
  const listing = await loadListing(o, source);
  for (const w of listingWarnings(listing)) io.stderr.write(`${w}\n`);
  if (o.json) {
    if (o.continuous) io.stdout.write(`${JSON.stringify(listing.sockets)}\n`);
    else {
      // Lines joined in batches: 50,000 small writes would cost more than the listing itself,
      // and one string grown line by line stays a rope the garbage collector keeps copying.
      const BATCH = 2048;
      const lines: string[] = [];
      for (const s of listing.sockets) {
        lines.push(JSON.stringify(s));
        if (lines.length === BATCH) {
          io.stdout.write(`${lines.join('\n')}\n`);
          lines.length = 0;
        }
      }
      if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
    }
  } else {
    for (const chunk of socketTableChunks(listing.sockets, o.role, o, o.protocols)) io.stdout.write(chunk);
  }
  return listing.sockets.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}

async function printRoutes(o: NetstatOptions, io: CommandIo): Promise<number> {
  const { routes, issues } = readRoutes({ families: o.families });
  const skipped = issues.filter((i) => i.line > 0).length;
  if (skipped > 0)
    io.stderr.write(`netdiag: netstat: skipped ${skipped} malformed route line${skipped === 1 ? '' : 's'}\n`);
  if (o.json) {
    if (o.continuous) io.stdout.write(`${JSON.stringify(routes)}\n`);
    else io.stdout.write(routes.map((r) => `${JSON.stringify(r)}\n`).join(''));
  } else io.stdout.write(formatRoutes(routes, o.families));
  return routes.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}

async function printCounters(o: NetstatOptions, io: CommandIo): Promise<number> {
  const { counters, issues } = readCounters();
  const skipped = issues.filter((i) => i.line > 0).length;
  if (skipped > 0)
    io.stderr.write(
      `netdiag: netstat: skipped ${skipped} malformed counter line${skipped === 1 ? '' : 's'}\n`,
    );
  const groups = counterGroups(counters, o.protocols, o.families);
  if (o.json) {
    const picked: ProtocolCounters = {};
    for (const g of groups) picked[g] = counters[g]!;
    io.stdout.write(`${JSON.stringify(picked)}\n`);
  } else io.stdout.write(formatCounters(counters, groups));
  return groups.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}
