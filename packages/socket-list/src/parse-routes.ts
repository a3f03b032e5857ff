import { type ByteOrder, formatIpv4Word, formatIpv6Groups, readIpv6NetworkOrder } from './address.js';
import { type ParseIssue, SocketListError } from './errors.js';
import type { ParsedTable } from './parse-inet.js';
import { forEachLine, headerOf, LineCursor } from './scan.js';
import type { Family } from './types.js';

/** Route flags (RTF_* in include/uapi/linux/route.h and ipv6_route.h). */
export const RouteFlag = {
  Up: 0x1,
  Gateway: 0x2,
  Host: 0x4,
  Reinstate: 0x8,
  Dynamic: 0x10,
  Modified: 0x20,
  Reject: 0x200,
  Default: 0x10000,
  AddrConf: 0x40000,
  PrefixRoute: 0x80000,
  Anycast: 0x100000,
  NoNextHop: 0x200000,
  Expires: 0x400000,
  Cache: 0x1000000,
  Local: 0x80000000,
} as const;

/**
 * What the route does. /proc does not say which table a route is in; IPv4 shows only the main
 * table, and for IPv6 `local`, `anycast` and `multicast` are the kernel's local-table routes.
 */
export type RouteType = 'unicast' | 'unreachable' | 'local' | 'anycast' | 'multicast';

export interface Route {
  readonly family: Family;
  readonly destination: string;
  readonly prefixLength: number;
  /** The next hop, or null for a directly connected (or reject) route. */
  readonly gateway: string | null;
  /** The output interface; `*` for an IPv4 reject route (the kernel has none). */
  readonly device: string;
  readonly metric: number;
  /** RTF_* bits as the kernel reports them (see RouteFlag). */
  readonly flags: number;
  readonly type: RouteType;
  readonly table: 'main' | 'local';
  /** IPv4 only: the MSS, window and initial RTT columns of `netstat -r` (0 = unset). */
  readonly mtu?: number;
  readonly window?: number;
  readonly irtt?: number;
}

/** The prefix length of a contiguous netmask word, or -1 if the mask has holes. */
function prefixOfMask(mask: number, order: ByteOrder): number {
  const m =
    order === 'LE'
      ? ((mask & 255) << 24) | (((mask >>> 8) & 255) << 16) | (((mask >>> 16) & 255) << 8) | (mask >>> 24)
      : mask;
  let len = 0;
  let u = m >>> 0;
  while (u & 0x80000000) {
    len++;
    u = (u << 1) >>> 0;
  }
  return u === 0 ? len : -1;
}

/** Parses /proc/net/route (the IPv4 main table, as `netstat -rn` and `ip route` show it). Pure. */
export function parseIpv4Routes(text: string, byteOrder: ByteOrder): ParsedTable<Route> {
  // A namespace whose main table never held a route (no IPv4 route at all) has no table for
  // the kernel to walk, and /proc/net/route is empty, header included: an empty table.
  if (text === '') return { records: [], issues: [] };
  const header = headerOf(text);
  if (!/^Iface\s+Destination\s+Gateway\s+Flags\s+RefCnt\s+Use\s+Metric\s+Mask/.test(header)) {
    throw new SocketListError(
      'BAD_HEADER',
      `/proc/net/route: not a routing table (header '${header.slice(0, 60)}')`,
    );
  }
  const records: Route[] = [];
  const issues: ParseIssue[] = [];
  forEachLine(text, (start, end, line) => {
    const f = text.slice(start, end).trim().split(/\s+/);
    const bad = (reason: string) => issues.push({ source: 'route', line, reason });
    if (f.length < 11) return bad(`${f.length} fields, expected 11`);
    const [device, dst, gw, flagsHex, , , metricText, maskHex, mtuText, windowText, irttText] = f as [
      string,
      ...string[],
    ];
    const hex8 = /^[0-9A-Fa-f]{8}$/;
    if (
      !hex8.test(dst!) ||
      !hex8.test(gw!) ||
      !hex8.test(maskHex!) ||
      !/^[0-9A-Fa-f]{1,8}$/.test(flagsHex!)
    ) {
      return bad('malformed address, mask or flags');
    }
    const nums = [metricText, mtuText, windowText, irttText].map((x) =>
      /^\d{1,10}$/.test(x!) ? Number(x) : Number.NaN,
    );
    if (nums.some(Number.isNaN)) return bad('malformed metric, MTU, window or IRTT');
    const prefixLength = prefixOfMask(Number.parseInt(maskHex!, 16), byteOrder);
    if (prefixLength < 0) return bad('netmask is not contiguous');
    const flags = Number.parseInt(flagsHex!, 16);
    const gateway = flags & RouteFlag.Gateway ? formatIpv4Word(Number.parseInt(gw!, 16), byteOrder) : null;
    records.push({
      family: 4,
      destination: formatIpv4Word(Number.parseInt(dst!, 16), byteOrder),
      prefixLength,
      gateway,
      device,
      metric: nums[0]!,
      flags,
      type: flags & RouteFlag.Reject ? 'unreachable' : 'unicast',
      table: 'main',
      mtu: nums[1]!,
      window: nums[2]!,
      irtt: nums[3]!,
    });
  });
  return { records, issues };
}

const ROUTE6_FIELDS = 10;

/**
 * Parses /proc/net/ipv6_route (no header: `dst plen src plen nexthop metric refcnt use flags dev`,
 * addresses in network order). Pure. It lists every table; the kernel's own "null" entry (the
 * unreachable ::/0 on lo with metric 0xffffffff that ends every lookup) and cached clones are left
 * out, and local-table routes are typed `local`, `anycast` or `multicast`.
 */
export function parseIpv6Routes(text: string): ParsedTable<Route> {
  const records: Route[] = [];
  const issues: ParseIssue[] = [];
  // The file has no header; feed forEachLine a synthetic one so line numbers start at 1.
  const body = `\n${text}`;
  const c = new LineCursor(body);
  const dst = [0, 0, 0, 0, 0, 0, 0, 0];
  const hop = [0, 0, 0, 0, 0, 0, 0, 0];
  forEachLine(body, (start, end, lineNo) => {
    const line = lineNo - 1;
    c.reset(start, end);
    readIpv6NetworkOrder(c, dst);
    c.expect(32);
    const prefixLength = c.hex(2, 2);
    c.expect(32);
    c.skipField(); // source prefix (subtrees, rarely used)
    c.expect(32);
    c.hex(2, 2);
    c.expect(32);
    readIpv6NetworkOrder(c, hop);
    c.expect(32);
    const metric = c.hex(8, 8);
    c.expect(32);
    c.hex(8, 8); // refcnt
    c.expect(32);
    c.hex(8, 8); // use
    c.expect(32);
    const flags = c.hex(8, 8);
    c.skipSpaces();
    const devStart = c.i;
    c.skipField();
    const device = body.slice(devStart, c.i).trimEnd();
    if (!c.ok || prefixLength > 128) {
      issues.push({
        source: 'ipv6_route',
        line,
        reason: `malformed field near column ${c.i - start + 1} (expected ${ROUTE6_FIELDS} fields)`,
      });
      return;
    }
    if (flags & RouteFlag.Cache) return;
    const destination = formatIpv6Groups(dst);
    if (flags & RouteFlag.Reject && metric === 0xffffffff && prefixLength === 0 && device === 'lo') return;
    let type: RouteType = 'unicast';
    if (flags & RouteFlag.Local) type = 'local';
    else if (flags & RouteFlag.Anycast) type = 'anycast';
    else if (flags & RouteFlag.Reject) type = 'unreachable';
    else if (prefixLength === 8 && dst[0] === 0xff00 && destination === 'ff00::') type = 'multicast';
    const gateway = flags & RouteFlag.Gateway ? formatIpv6Groups(hop) : null;
    records.push({
      family: 6,
      destination,
      prefixLength,
      gateway,
      device,
      metric,
      flags,
      type,
      table: type === 'unicast' || type === 'unreachable' ? 'main' : 'local',
    });
  });
  return { records, issues };
}
