import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import type { ByteOrder } from './address.js';
import type { ParseIssue } from './errors.js';
import { compileFilter, parseFilter, type SocketFilter } from './filter.js';
import { mergeCounters, type ProtocolCounters, parseSnmp6, parseSnmpPairs } from './parse-counters.js';
import { parseIpv4Routes, parseIpv6Routes, type Route } from './parse-routes.js';
import { type ProcFs, scanSocketOwners } from './process-map.js';
import { defaultReadFile, procNetSource, readNetFile, type SocketSource } from './source.js';
import type { Family, SocketProtocol, SocketRecord } from './types.js';

export const nodeProcFs: ProcFs = {
  readdir: (p) => readdirSync(p),
  readlink: (p) => readlinkSync(p),
  readFile: (p) => readFileSync(p, 'utf8'),
};

export interface ListSocketsOptions {
  /** Which protocols; all of tcp, udp, raw, unix by default. */
  readonly protocols?: Iterable<SocketProtocol>;
  /** Which address families for TCP/UDP/raw; both by default. */
  readonly families?: Iterable<Family>;
  /** Find the owning processes (one scan of /proc/PID/fd); false by default. */
  readonly processes?: boolean;
  /** An ss-style filter, as words (`['state', 'established', 'sport', '=', ':443']`) or parsed. */
  readonly filter?: readonly string[] | SocketFilter;
  /** Where sockets come from; the /proc/net of this process's namespace by default. */
  readonly source?: SocketSource;
  /** For the default source: `/proc/PID/net` lists the sockets of PID's network namespace. */
  readonly netDir?: string;
  /** The file system the process scan walks (tests pass a fake); and its root. */
  readonly procFs?: ProcFs;
  readonly procRoot?: string;
}

export interface SocketListing {
  readonly sockets: SocketRecord[];
  /** Lines that could not be parsed, and tables that are absent: the listing is complete otherwise. */
  readonly issues: ParseIssue[];
  /**
   * Set when owners were asked for: processes whose descriptors could not be read (other users'
   * processes, without root). Their sockets are listed, with no owner.
   */
  readonly hiddenPids?: readonly number[];
}

const ALL_PROTOCOLS: readonly SocketProtocol[] = ['tcp', 'udp', 'raw', 'unix'];

/**
 * Lists sockets with their state, addresses, queues, timers, uid and inode, and (with
 * `processes: true`) the processes that hold them.
 *
 * @example
 * const { sockets } = await listSockets({ protocols: ['tcp'], processes: true, filter: ['state', 'listening'] });
 * for (const s of sockets) if (s.protocol === 'tcp') console.log(s.localAddress, s.localPort, s.owners[0]?.command);
 */
export async function listSockets(options: ListSocketsOptions = {}): Promise<SocketListing> {
  const protocols = new Set(options.protocols ?? ALL_PROTOCOLS);
  const families = new Set(options.families ?? ([4, 6] as const));
  const source =
    options.source ?? procNetSource(options.netDir === undefined ? {} : { netDir: options.netDir });
  const { sockets: raw, issues } = await source.read({ protocols, families });
  const filter =
    options.filter === undefined
      ? null
      : 'states' in options.filter
        ? options.filter
        : parseFilter(options.filter);
  const keep = filter ? compileFilter(filter) : null;
  // Most listings keep every record the source read: the source's array is then the listing, and
  // 50,000 records are not copied into a second one.
  let sockets: SocketRecord[] = raw;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!;
    const wanted =
      protocols.has(s.protocol) && (s.protocol === 'unix' || families.has(s.family)) && (!keep || keep(s));
    if (!wanted) {
      if (sockets === raw) sockets = raw.slice(0, i);
    } else if (sockets !== raw) sockets.push(s);
  }
  if (!options.processes) return { sockets, issues };
  const owners = scanSocketOwners(options.procFs ?? nodeProcFs, options.procRoot);
  sockets = sockets.map((s) => {
    const o = s.inode === 0 ? undefined : owners.byInode.get(s.inode);
    return o === undefined ? s : { ...s, owners: o };
  });
  return { sockets, issues, hiddenPids: owners.hiddenPids };
}

export interface ReadOptions {
  /** `/proc/net` by default; `/proc/PID/net` reads PID's network namespace. */
  readonly netDir?: string;
  readonly readFile?: (path: string) => string;
  readonly byteOrder?: ByteOrder;
}

export interface RouteListing {
  readonly routes: Route[];
  readonly issues: ParseIssue[];
}

/**
 * The routing tables, like `netstat -rn` / `ip route` (IPv4: the main table) and `ip -6 route
 * show table all` minus the kernel's internal entries (IPv6; see Route.table).
 */
export function readRoutes(
  options: ReadOptions & { readonly families?: Iterable<Family> } = {},
): RouteListing {
  const netDir = options.netDir ?? '/proc/net';
  const read = options.readFile ?? defaultReadFile;
  const families = new Set(options.families ?? ([4, 6] as const));
  const routes: Route[] = [];
  const issues: ParseIssue[] = [];
  if (families.has(4)) {
    const text = readNetFile(read, `${netDir}/route`, issues);
    if (text !== null) {
      const t = parseIpv4Routes(text, options.byteOrder ?? endianness());
      routes.push(...t.records);
      issues.push(...t.issues);
    }
  }
  if (families.has(6)) {
    const text = readNetFile(read, `${netDir}/ipv6_route`, issues);
    if (text !== null) {
      const t = parseIpv6Routes(text);
      routes.push(...t.records);
      issues.push(...t.issues);
    }
  }
  return { routes, issues };
}

export interface CounterReading {
  readonly counters: ProtocolCounters;
  readonly issues: ParseIssue[];
}

/** The kernel's protocol counters, like `netstat -s` / `nstat -a`: /proc/net/snmp, netstat and snmp6. */
export function readCounters(options: ReadOptions = {}): CounterReading {
  const netDir = options.netDir ?? '/proc/net';
  const read = options.readFile ?? defaultReadFile;
  const issues: ParseIssue[] = [];
  const sets: ProtocolCounters[] = [];
  for (const [file, parse] of [
    ['snmp', (t: string) => parseSnmpPairs(t, 'snmp')],
    ['netstat', (t: string) => parseSnmpPairs(t, 'netstat')],
    ['snmp6', parseSnmp6],
  ] as const) {
    const text = readNetFile(read, `${netDir}/${file}`, issues);
    if (text === null) continue;
    const r = parse(text);
    sets.push(r.counters);
    issues.push(...r.issues);
  }
  return { counters: mergeCounters(...sets), issues };
}
