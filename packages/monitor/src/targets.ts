import { addressFamily } from '@netdiag/icmp';
import { splitTarget } from './blackbox-dns.js';
import type { MonitorConfig, Network, TargetGroup } from './config.js';
import type { DnsTargetSpec } from './dns-target.js';
import type { IcmpTargetSpec } from './icmp-target.js';
import type { TraceTargetSpec } from './trace-monitor.js';

/** Resolves a name to its addresses of one family (the system resolver by default). */
export type ResolveAll = (
  name: string,
  family: 4 | 6 | undefined,
) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemResolveAll: ResolveAll = async (name, family) => {
  const { lookup } = await import('node:dns/promises');
  const all = await lookup(name, { family: family ?? 0, all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The config's hosts as ICMP target specs: an address as it is, a name resolved to its first
 * address of the group's `network` (smokeping_prober's behaviour). Throws with the host's name
 * when it does not resolve, so a reload with a bad name keeps the running config.
 */
export async function icmpTargetSpecs(config: MonitorConfig, resolve: ResolveAll): Promise<IcmpTargetSpec[]> {
  const specs: IcmpTargetSpec[] = [];
  for (const group of config.targets) {
    for (const host of group.hosts) specs.push(await specOf(host, group, resolve));
  }
  return specs;
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
  return specs;
}

/** The config's DNS targets, one per server, server names resolved as for `targets`. */
export async function dnsTargetSpecs(config: MonitorConfig, resolve: ResolveAll): Promise<DnsTargetSpec[]> {
  const specs: DnsTargetSpec[] = [];
  for (const group of config.dns) {
    for (const server of group.servers) {
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
      });
    }
  }
  return specs;
}

async function specOf(host: string, group: TargetGroup, resolve: ResolveAll): Promise<IcmpTargetSpec> {
  const { address, family } = await addressOf(host, group.network, resolve);
  return {
    host,
    address,
    family,
    intervalMs: group.intervalMs,
    count: group.count,
    timeoutMs: group.timeoutMs,
    size: group.size,
    ...(group.ttl !== undefined && { ttl: group.ttl }),
  };
}

async function addressOf(
  host: string,
  network: Network,
  resolve: ResolveAll,
): Promise<{ address: string; family: 4 | 6 }> {
  const wanted = network === 'ip4' ? 4 : network === 'ip6' ? 6 : undefined;
  const literal = addressFamily(host);
  let address: string;
  let family: 4 | 6;
  if (literal) {
    if (wanted !== undefined && literal !== wanted)
      throw new Error(`${host} is an IPv${literal} address, but its network is ${network}`);
    address = host;
    family = literal;
  } else {
    let found: { address: string; family: 4 | 6 }[];
    try {
      found = await resolve(host, wanted);
    } catch (err) {
      throw new Error(`${host}: name resolution failed (${(err as { code?: string }).code ?? String(err)})`);
    }
    const first = found[0];
    if (!first) throw new Error(`${host}: no address`);
    ({ address, family } = first);
  }
  return { address, family };
}
