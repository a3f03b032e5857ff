import { readFile } from 'node:fs/promises';
import { answerRecords, Resolver } from '@netdiag/dns-client';
import { addressFamily } from '@netdiag/icmp';
import { splitTarget } from './blackbox-dns.js';
import { dohUrl, type MonitorConfig, type Network, type TargetGroup } from './config.js';
import type { DnsTargetSpec } from './dns-target.js';
import type { IcmpTargetSpec } from './icmp-target.js';
import type { TcpTargetSpec } from './tcp-target.js';
import type { TraceTargetSpec } from './trace-monitor.js';

/** One address a name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds the answer may be kept (its DNS TTL); undefined where nobody says (a hosts file). */
  readonly ttl?: number;
}

/** Resolves a name to its addresses of one family, or of both (the system's resolver by default). */
export type ResolveAll = (name: string, family: 4 | 6 | undefined) => Promise<ResolvedAddress[]>;

/** getaddrinfo: the hosts file and the system's resolver, without TTLs. */
export const lookupResolveAll: ResolveAll = async (name, family) => {
  const { lookup } = await import('node:dns/promises');
  const all = await lookup(name, { family: family ?? 0, all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * A and AAAA from the servers in resolv.conf (dns-client's Resolver: search list, its own cache
 * by TTL), each address with its TTL, so that the agent asks again when it runs out; a name DNS
 * does not answer (NXDOMAIN, no data, no server) goes to getaddrinfo, as the hosts file may know it.
 */
export function dnsResolveAll(resolver: Resolver = new Resolver()): ResolveAll {
  return async (name, family) => {
    const types = family === 4 ? ['A'] : family === 6 ? ['AAAA'] : ['AAAA', 'A'];
    const found: ResolvedAddress[] = [];
    for (const type of types) {
      try {
        const response = await resolver.query(name, type);
        for (const r of answerRecords(response, type))
          if (r.type === 'A' || r.type === 'AAAA')
            found.push({ address: r.address, family: r.type === 'A' ? 4 : 6, ttl: r.ttl });
      } catch {
        // Unanswered here: getaddrinfo below has the last word.
      }
    }
    return found.length > 0 ? found : lookupResolveAll(name, family);
  };
}

let shared: ResolveAll | undefined;
/** The default: `dnsResolveAll` over one Resolver for the process (its cache is shared). */
export const systemResolveAll: ResolveAll = (name, family) => {
  shared ??= dnsResolveAll();
  return shared(name, family);
};

/** ICMP target specs, and when the soonest of the names they came from runs out (ms from now). */
export interface IcmpTargetPlan {
  readonly specs: IcmpTargetSpec[];
  /** Undefined when no name has a TTL (addresses only, or names from a hosts file). */
  readonly refreshInMs: number | undefined;
}

/**
 * The config's hosts as ICMP target specs: an address as it is, a name resolved to its first
 * address of the group's `network` (smokeping_prober's behaviour), or to every one of them with
 * `all_addresses` (a target, and an `ip` label, per address). Throws with the host's name when
 * it does not resolve, so a reload with a bad name keeps the running config.
 */
export async function icmpTargetSpecs(config: MonitorConfig, resolve: ResolveAll): Promise<IcmpTargetSpec[]> {
  return (await icmpTargetPlan(config, resolve)).specs;
}

/** `icmpTargetSpecs`, and when to resolve the names again (the soonest TTL among them). */
export async function icmpTargetPlan(config: MonitorConfig, resolve: ResolveAll): Promise<IcmpTargetPlan> {
  const specs: IcmpTargetSpec[] = [];
  let ttl = Number.POSITIVE_INFINITY;
  for (const group of config.targets) {
    for (const host of group.hosts) {
      const addresses = await addressesOf(host, group.network, resolve);
      for (const a of group.allAddresses ? addresses : addresses.slice(0, 1)) {
        specs.push(specOf(host, a, group));
        if (a.ttl !== undefined) ttl = Math.min(ttl, a.ttl);
      }
    }
  }
  return {
    specs: unique(specs, (s) => `host="${s.host}", ip="${s.address}"`),
    refreshInMs: Number.isFinite(ttl) ? ttl * 1000 : undefined,
  };
}

/**
 * Two targets with the same labels would be two series Prometheus cannot tell apart (it
 * rejects the scrape): the same target twice with the same settings is probed once, with
 * different settings it is an error.
 */
function unique<T>(specs: T[], labels: (s: T) => string): T[] {
  const seen = new Map<string, string>();
  const out: T[] = [];
  for (const s of specs) {
    const key = labels(s);
    const whole = JSON.stringify(s);
    const before = seen.get(key);
    if (before === undefined) {
      seen.set(key, whole);
      out.push(s);
    } else if (before !== whole) throw new Error(`${key} is configured twice, with different settings`);
  }
  return out;
}

/** The config's traces as trace specs, names resolved as for `targets`. */
export async function traceTargetSpecs(
  config: MonitorConfig,
  resolve: ResolveAll,
): Promise<TraceTargetSpec[]> {
  const specs: TraceTargetSpec[] = [];
  for (const group of config.traces) {
    for (const host of group.hosts) {
      const { address, family } = await addressOf(host, group.network, resolve);
      specs.push({ host, address, family, intervalMs: group.intervalMs, maxHops: group.maxHops });
    }
  }
  return unique(specs, (s) => `trace host="${s.host}", ip="${s.address}"`);
}

/** The config's DNS targets, one per server, server names resolved as for `targets`. */
export async function dnsTargetSpecs(config: MonitorConfig, resolve: ResolveAll): Promise<DnsTargetSpec[]> {
  const specs: DnsTargetSpec[] = [];
  for (const group of config.dns) {
    let ca: string | undefined;
    if (group.caFile !== undefined) ca = await readCa(group.caFile);
    for (const server of group.servers) {
      if (group.transport === 'https') {
        // The URL is the server; its host is resolved by the HTTPS client, as a browser does.
        const url = dohUrl(server);
        if (!url) throw new Error(`${server}: not a DNS over HTTPS URL`);
        specs.push({
          server,
          address: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port === '' ? 443 : Number(url.port),
          name: group.name,
          type: group.type,
          transport: group.transport,
          intervalMs: group.intervalMs,
          timeoutMs: group.timeoutMs,
          ...(ca !== undefined && { ca }),
        });
        continue;
      }
      const split = splitTarget(server);
      if (!split) throw new Error(`${server}: not a server`);
      const { address } = await addressOf(split.host, 'ip', resolve);
      specs.push({
        server,
        address,
        port: split.port,
        name: group.name,
        type: group.type,
        transport: group.transport,
        intervalMs: group.intervalMs,
        timeoutMs: group.timeoutMs,
        ...(ca !== undefined && { ca }),
      });
    }
  }
  return unique(
    specs,
    (s) => `dns server="${s.server}", name="${s.name}", type="${s.type}", transport="${s.transport}"`,
  );
}

/** The config's TCP targets; a TLS CA file is read now, so a missing one fails the (re)load. */
export async function tcpTargetSpecs(config: MonitorConfig, resolve: ResolveAll): Promise<TcpTargetSpec[]> {
  const specs: TcpTargetSpec[] = [];
  for (const group of config.tcp) {
    let tls: TcpTargetSpec['tls'];
    if (group.tls) {
      let ca: string | undefined;
      if (group.tls.caFile !== undefined) ca = await readCa(group.tls.caFile);
      tls = {
        insecureSkipVerify: group.tls.insecureSkipVerify,
        ...(group.tls.serverName !== undefined && { serverName: group.tls.serverName }),
        ...(ca !== undefined && { ca }),
      };
    }
    for (const target of group.targets) {
      const split = splitTarget(target);
      if (!split) throw new Error(`${target}: not ADDRESS:PORT`);
      const { address } = await addressOf(split.host, 'ip', resolve);
      specs.push({
        target,
        address,
        port: split.port,
        intervalMs: group.intervalMs,
        timeoutMs: group.timeoutMs,
        ...(tls !== undefined && { tls }),
      });
    }
  }
  return unique(
    specs,
    (s) =>
      `tcp target="${s.target}", tls="${s.tls ? 'true' : 'false'}", server_name="${s.tls?.serverName ?? ''}"`,
  );
}

function specOf(host: string, { address, family }: ResolvedAddress, group: TargetGroup): IcmpTargetSpec {
  return {
    host,
    address,
    family,
    intervalMs: group.intervalMs,
    count: group.count,
    timeoutMs: group.timeoutMs,
    size: group.size,
    ...(group.ttl !== undefined && { ttl: group.ttl }),
    ...(group.tos !== undefined && { tos: group.tos }),
  };
}

/** A CA file, read now: a missing one fails the (re)load with its name. */
async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

async function addressOf(
  host: string,
  network: Network,
  resolve: ResolveAll,
): Promise<{ address: string; family: 4 | 6 }> {
  const [first] = await addressesOf(host, network, resolve);
  return { address: first!.address, family: first!.family };
}

/** An address as it is, or a name's addresses of the network (never none: that throws). */
async function addressesOf(host: string, network: Network, resolve: ResolveAll): Promise<ResolvedAddress[]> {
  const wanted = network === 'ip4' ? 4 : network === 'ip6' ? 6 : undefined;
  const literal = addressFamily(host);
  if (literal) {
    if (wanted !== undefined && literal !== wanted)
      throw new Error(`${host} is an IPv${literal} address, but its network is ${network}`);
    return [{ address: host, family: literal }];
  }
  let found: ResolvedAddress[];
  try {
    found = await resolve(host, wanted);
  } catch (err) {
    throw new Error(`${host}: name resolution failed (${(err as { code?: string }).code ?? String(err)})`);
  }
  if (found.length === 0) throw new Error(`${host}: no address`);
  return found;
}
