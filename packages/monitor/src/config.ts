import { isScalar, type Node } from 'yaml';
import { splitTarget } from './blackbox-dns.js';
import { ConfigError, YamlReader } from './config-reader.js';
import { type Prefix, parsePrefix } from './prefix.js';

/** smokeping_prober's `network`: which addresses of a name to probe. */
export type Network = 'ip' | 'ip4' | 'ip6';

/** A group of hosts probed alike (smokeping_prober's `targets:` entries, plus netdiag's fields). */
export interface TargetGroup {
  readonly hosts: readonly string[];
  readonly network: Network;
  readonly intervalMs: number;
  /** Requests per interval, spread evenly over it. */
  readonly count: number;
  readonly timeoutMs: number;
  /** ICMP payload bytes. */
  readonly size: number;
  readonly ttl?: number;
  /** TOS byte (IPv4) or traffic class (IPv6) of every request: DSCP << 2 | ECN. */
  readonly tos?: number;
  /** A name is probed on every address it resolves to (of `network`), not its first alone. */
  readonly allAddresses: boolean;
}

/** blackbox_exporter's `icmp` prober options, the subset the agent serves. */
export interface IcmpModule {
  readonly prober: 'icmp';
  /** 0: the scrape's own timeout (X-Prometheus-Scrape-Timeout-Seconds), as blackbox does. */
  readonly timeoutMs: number;
  readonly preferredFamily: 4 | 6;
  readonly fallback: boolean;
  /** 0: blackbox's payload, "Prometheus Blackbox Exporter" (28 bytes); at least 16 here. */
  readonly payloadSize: number;
  readonly ttl?: number;
  /** netdiag's: requests per probe (blackbox sends one) and the gap between them. */
  readonly packets: number;
  readonly packetIntervalMs: number;
}

/** blackbox_exporter's `dns` prober options, the subset the agent serves. */
export interface DnsModule {
  readonly prober: 'dns';
  readonly timeoutMs: number;
  readonly preferredFamily: 4 | 6;
  readonly fallback: boolean;
  readonly queryName: string;
  readonly queryType: string;
  readonly transport: 'udp' | 'tcp';
  readonly recursionDesired: boolean;
  /** Rcodes that count as success; blackbox's default is NOERROR alone. */
  readonly validRcodes: readonly string[];
}

export type Module = IcmpModule | DnsModule;

/** Continuous traces (mtr rounds): per-hop loss and RTT, and path changes. */
export interface TraceGroup {
  readonly hosts: readonly string[];
  readonly network: Network;
  /** Milliseconds between rounds. */
  readonly intervalMs: number;
  readonly maxHops: number;
}

/** Continuous DNS queries: one question asked of each server at an interval. */
export interface DnsGroup {
  readonly servers: readonly string[];
  readonly name: string;
  readonly type: string;
  /** `https`: each server is the DoH URL (`https://192.0.2.53/dns-query`). */
  readonly transport: 'udp' | 'tcp' | 'tls' | 'https';
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Trust anchors (PEM) for `tls` and `https`, instead of the system's. */
  readonly caFile?: string;
}

/** Continuous TCP connects, optionally with a TLS handshake. */
export interface TcpGroup {
  /** `ADDRESS:PORT` or `[v6]:PORT` (or `NAME:PORT`). */
  readonly targets: readonly string[];
  readonly tls?: {
    readonly serverName?: string;
    readonly caFile?: string;
    readonly insecureSkipVerify: boolean;
  };
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface MonitorConfig {
  readonly targets: readonly TargetGroup[];
  readonly traces: readonly TraceGroup[];
  readonly dns: readonly DnsGroup[];
  readonly tcp: readonly TcpGroup[];
  readonly modules: ReadonlyMap<string, Module>;
  /** What `/probe` may target besides the configured hosts. */
  readonly probeAllow: readonly Prefix[];
  readonly maxConcurrentProbes: number;
}

/** Targets without a config: ICMP at 1/s, smokeping_prober's defaults. */
export const DEFAULT_GROUP: Omit<TargetGroup, 'hosts'> = {
  network: 'ip',
  intervalMs: 1000,
  count: 1,
  timeoutMs: 1000,
  size: 56,
  allAddresses: false,
};

/** blackbox_exporter's DefaultICMPProbe: IPv6 preferred, IPv4 as fallback, one request. */
export const DEFAULT_ICMP_MODULE: IcmpModule = {
  prober: 'icmp',
  timeoutMs: 0,
  preferredFamily: 6,
  fallback: true,
  payloadSize: 0,
  packets: 1,
  packetIntervalMs: 100,
};

export const DEFAULT_MAX_CONCURRENT_PROBES = 64;

export function defaultConfig(): MonitorConfig {
  return {
    targets: [],
    traces: [],
    dns: [],
    tcp: [],
    modules: new Map([['icmp', DEFAULT_ICMP_MODULE]]),
    probeAllow: [],
    maxConcurrentProbes: DEFAULT_MAX_CONCURRENT_PROBES,
  };
}

const TOP = ['targets', 'traces', 'dns', 'tcp', 'modules', 'probe'] as const;
const TCP_GROUP = ['targets', 'tls', 'interval', 'timeout'] as const;
const TLS = ['server_name', 'ca_file', 'insecure_skip_verify'] as const;
const DNS_GROUP = ['servers', 'name', 'type', 'transport', 'interval', 'timeout', 'ca_file'] as const;
const TRACE = ['hosts', 'network', 'interval', 'max_hops'] as const;
const GROUP = [
  'hosts',
  'network',
  'protocol',
  'interval',
  'count',
  'timeout',
  'size',
  'ttl',
  'tos',
  'all_addresses',
] as const;
const MODULE = ['prober', 'timeout', 'icmp', 'dns'] as const;
const ICMP = [
  'preferred_ip_protocol',
  'ip_protocol_fallback',
  'payload_size',
  'ttl',
  'packets',
  'packet_interval',
] as const;
const DNS = [
  'preferred_ip_protocol',
  'ip_protocol_fallback',
  'query_name',
  'query_type',
  'transport_protocol',
  'recursion_desired',
  'valid_rcodes',
] as const;
const PROBE = ['allow', 'max_concurrent'] as const;

/** Parses and checks a config's text; throws ConfigError (`FILE:LINE:COL: what`). */
export function parseConfig(text: string, file = 'config'): MonitorConfig {
  const y: YamlReader = new YamlReader(text, file);
  if (y.root === null) return defaultConfig();
  const top = y.map(y.root, 'the config', TOP);
  const targets = top.has('targets') ? y.seq(top.get('targets'), 'targets').map((n) => group(y, n)) : [];
  const traces = top.has('traces') ? y.seq(top.get('traces'), 'traces').map((n) => traceGroup(y, n)) : [];
  const dns = top.has('dns') ? y.seq(top.get('dns'), 'dns').map((n) => dnsGroup(y, n)) : [];
  const tcp = top.has('tcp') ? y.seq(top.get('tcp'), 'tcp').map((n) => tcpGroup(y, n)) : [];
  const modules = new Map<string, Module>([['icmp', DEFAULT_ICMP_MODULE]]);
  if (top.has('modules')) {
    for (const [name, node] of y.map(top.get('modules'), 'modules')) modules.set(name, module(y, name, node));
  }
  let probeAllow: Prefix[] = [];
  let maxConcurrentProbes = DEFAULT_MAX_CONCURRENT_PROBES;
  if (top.has('probe')) {
    const p = y.map(top.get('probe'), 'probe', PROBE);
    if (p.has('allow'))
      probeAllow = y.seq(p.get('allow'), 'probe.allow').map((n) => {
        const prefix = parsePrefix(y.string(n, 'probe.allow entry'));
        if (!prefix) y.fail(n, `probe.allow: '${y.string(n, '')}' is not an address or prefix`);
        return prefix;
      });
    if (p.has('max_concurrent'))
      maxConcurrentProbes = y.int(p.get('max_concurrent'), 'probe.max_concurrent', 1, 10_000);
  }
  return { targets, traces, dns, tcp, modules, probeAllow, maxConcurrentProbes };
}

function hostList(y: YamlReader, g: Map<string, Node>, node: Node, what: string): string[] {
  if (!g.has('hosts')) y.fail(node, `${what} needs 'hosts'`);
  return y.seq(g.get('hosts'), 'hosts').map((n) => {
    const h = y.string(n, 'a host').trim();
    if (h === '' || /[\s\x00-\x1f]/.test(h)) y.fail(n, `'${h}' is not a host name or address`);
    return h;
  });
}

function tcpGroup(y: YamlReader, node: Node): TcpGroup {
  const g = y.map(node, 'a tcp entry', TCP_GROUP);
  if (!g.has('targets')) y.fail(node, "a tcp entry needs 'targets'");
  const targets = y.seq(g.get('targets'), 'targets').map((n) => {
    const text = y.string(n, 'a target').trim();
    if (!/:\d{1,5}$/.test(text) || !splitTarget(text))
      y.fail(n, `'${text}' is not ADDRESS:PORT or [v6]:PORT`);
    return text;
  });
  let tls: TcpGroup['tls'];
  const t = g.get('tls');
  if (t !== undefined) {
    if (isScalar(t) && typeof t.value === 'boolean') {
      if (t.value) tls = { insecureSkipVerify: false };
    } else {
      const o = y.map(t, 'tls', TLS);
      const serverName = o.has('server_name') ? y.string(o.get('server_name'), 'server_name') : undefined;
      const caFile = o.has('ca_file') ? y.string(o.get('ca_file'), 'ca_file') : undefined;
      tls = {
        insecureSkipVerify: o.has('insecure_skip_verify')
          ? y.bool(o.get('insecure_skip_verify'), 'insecure_skip_verify')
          : false,
        ...(serverName !== undefined && { serverName }),
        ...(caFile !== undefined && { caFile }),
      };
    }
  }
  const intervalMs = g.has('interval') ? y.duration(g.get('interval'), 'interval', 100) : 10_000;
  return {
    targets,
    intervalMs,
    timeoutMs: g.has('timeout') ? y.duration(g.get('timeout'), 'timeout', 1) : Math.min(intervalMs, 5000),
    ...(tls !== undefined && { tls }),
  };
}

function dnsGroup(y: YamlReader, node: Node): DnsGroup {
  const g = y.map(node, 'a dns entry', DNS_GROUP);
  if (!g.has('servers')) y.fail(node, "a dns entry needs 'servers'");
  if (!g.has('name')) y.fail(node, "a dns entry needs 'name'");
  const transport = g.has('transport')
    ? y.oneOf(g.get('transport'), 'transport', ['udp', 'tcp', 'tls', 'https'] as const)
    : 'udp';
  const servers = y.seq(g.get('servers'), 'servers').map((n) => {
    const text = y.string(n, 'a server').trim();
    if (transport === 'https') {
      if (!dohUrl(text)) y.fail(n, `'${text}' is not a DNS over HTTPS URL (https://HOST[:PORT]/PATH)`);
    } else if (!splitTarget(text))
      y.fail(n, `'${text}' is not a server (ADDRESS, ADDRESS:PORT or [v6]:PORT)`);
    return text;
  });
  const type = g.has('type') ? y.string(g.get('type'), 'type').toUpperCase() : 'A';
  if (!/^[A-Z0-9]+$/.test(type)) y.fail(g.get('type'), `'${type}' is not a record type`);
  const intervalMs = g.has('interval') ? y.duration(g.get('interval'), 'interval', 100) : 10_000;
  return {
    servers,
    name: y.string(g.get('name'), 'name'),
    type,
    transport,
    intervalMs,
    timeoutMs: g.has('timeout') ? y.duration(g.get('timeout'), 'timeout', 1) : Math.min(intervalMs, 5000),
    ...(g.has('ca_file') && { caFile: y.string(g.get('ca_file'), 'ca_file') }),
  };
}

/** A DoH server's URL: https, a host, a port if any; undefined if it is not one. */
export function dohUrl(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' && u.hostname !== '' ? u : undefined;
  } catch {
    return undefined;
  }
}

function traceGroup(y: YamlReader, node: Node): TraceGroup {
  const g = y.map(node, 'a traces entry', TRACE);
  return {
    hosts: hostList(y, g, node, 'a traces entry'),
    network: g.has('network') ? y.oneOf(g.get('network'), 'network', ['ip', 'ip4', 'ip6'] as const) : 'ip',
    intervalMs: g.has('interval') ? y.duration(g.get('interval'), 'interval', 100) : 1000,
    maxHops: g.has('max_hops') ? y.int(g.get('max_hops'), 'max_hops', 1, 64) : 30,
  };
}

function group(y: YamlReader, node: Node): TargetGroup {
  const g = y.map(node, 'a targets entry', GROUP);
  const hosts = hostList(y, g, node, 'a targets entry');
  if (g.has('protocol') && y.oneOf(g.get('protocol'), 'protocol', ['icmp'] as const) !== 'icmp')
    y.fail(g.get('protocol'), 'only icmp');
  const intervalMs = g.has('interval')
    ? y.duration(g.get('interval'), 'interval', 1)
    : DEFAULT_GROUP.intervalMs;
  const timeoutMs = g.has('timeout')
    ? y.duration(g.get('timeout'), 'timeout', 1)
    : Math.min(intervalMs, 10_000);
  const ttl = g.has('ttl') ? y.int(g.get('ttl'), 'ttl', 1, 255) : undefined;
  const tos = g.has('tos') ? y.int(g.get('tos'), 'tos', 0, 255) : undefined;
  return {
    hosts,
    network: g.has('network') ? y.oneOf(g.get('network'), 'network', ['ip', 'ip4', 'ip6'] as const) : 'ip',
    intervalMs,
    count: g.has('count') ? y.int(g.get('count'), 'count', 1, 1000) : 1,
    timeoutMs,
    size: g.has('size') ? y.int(g.get('size'), 'size', 16, 65_507) : DEFAULT_GROUP.size,
    ...(ttl !== undefined && { ttl }),
    ...(tos !== undefined && { tos }),
    allAddresses: g.has('all_addresses') ? y.bool(g.get('all_addresses'), 'all_addresses') : false,
  };
}

function family(y: YamlReader, node: Node | undefined): 4 | 6 {
  return y.oneOf(node, 'preferred_ip_protocol', ['ip4', 'ip6'] as const) === 'ip4' ? 4 : 6;
}

function module(y: YamlReader, name: string, node: Node): Module {
  const m = y.map(node, `module ${name}`, MODULE);
  if (!m.has('prober')) y.fail(node, `module ${name} needs 'prober'`);
  const prober = m.get('prober');
  const kind = y.string(prober, 'prober');
  if (kind !== 'icmp' && kind !== 'dns')
    y.fail(prober, `module ${name}: prober '${kind}' is not served here (icmp and dns are)`);
  const timeoutMs = m.has('timeout') ? y.duration(m.get('timeout'), 'timeout', 1) : 0;
  if (kind === 'icmp') {
    const o = m.has('icmp') ? y.map(m.get('icmp'), `module ${name}: icmp`, ICMP) : new Map<string, Node>();
    const ttl = o.has('ttl') ? y.int(o.get('ttl'), 'ttl', 1, 255) : undefined;
    return {
      prober: 'icmp',
      timeoutMs,
      preferredFamily: o.has('preferred_ip_protocol') ? family(y, o.get('preferred_ip_protocol')) : 6,
      fallback: o.has('ip_protocol_fallback')
        ? y.bool(o.get('ip_protocol_fallback'), 'ip_protocol_fallback')
        : true,
      payloadSize: o.has('payload_size') ? y.int(o.get('payload_size'), 'payload_size', 16, 65_507) : 0,
      packets: o.has('packets') ? y.int(o.get('packets'), 'packets', 1, 1000) : 1,
      packetIntervalMs: o.has('packet_interval')
        ? y.duration(o.get('packet_interval'), 'packet_interval', 1)
        : 100,
      ...(ttl !== undefined && { ttl }),
    };
  }
  if (!m.has('dns')) y.fail(node, `module ${name}: a dns prober needs 'dns' with query_name`);
  const o = y.map(m.get('dns'), `module ${name}: dns`, DNS);
  if (!o.has('query_name')) y.fail(m.get('dns'), `module ${name}: dns needs query_name`);
  return {
    prober: 'dns',
    timeoutMs,
    preferredFamily: o.has('preferred_ip_protocol') ? family(y, o.get('preferred_ip_protocol')) : 6,
    fallback: o.has('ip_protocol_fallback')
      ? y.bool(o.get('ip_protocol_fallback'), 'ip_protocol_fallback')
      : true,
    queryName: y.string(o.get('query_name'), 'query_name'),
    queryType: o.has('query_type') ? y.string(o.get('query_type'), 'query_type').toUpperCase() : 'ANY',
    transport: o.has('transport_protocol')
      ? y.oneOf(o.get('transport_protocol'), 'transport_protocol', ['udp', 'tcp'] as const)
      : 'udp',
    recursionDesired: o.has('recursion_desired')
      ? y.bool(o.get('recursion_desired'), 'recursion_desired')
      : true,
    validRcodes: o.has('valid_rcodes')
      ? y.seq(o.get('valid_rcodes'), 'valid_rcodes').map((n) => y.string(n, 'an rcode').toUpperCase())
      : ['NOERROR'],
  };
}

export { ConfigError };
