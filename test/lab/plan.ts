import { release as osRelease } from 'node:os';
import {
  assertLabPrefix,
  formatPrefix,
  nth,
  type Prefix,
  parsePrefix,
  SubnetAllocator,
  size,
} from './address.js';
import { firewallRules } from './nft.js';
import { chainRouters, type HostSpec, type LabSpec, type LossSpec, type RejectWith } from './spec.js';
import type {
  Family,
  LabTopology,
  TopologyChain,
  TopologyHost,
  TopologyLink,
  TopologyRoute,
} from './topology.js';

/**
 * Turns a spec into a topology and the commands that build it, without running anything: the
 * whole network (addresses, interface names, routes, firewall rules) is decided here, so it can be
 * unit-tested and is identical however the build is parallelised.
 */

/** What to do inside one namespace. */
export interface NamespacePlan {
  readonly ns: string;
  /** `sysctl -w` arguments, applied before any interface arrives (so defaults such as accept_dad apply). */
  readonly sysctl: readonly string[];
  /** `ip -batch` lines: interfaces up, addresses, routes. */
  readonly ip: readonly string[];
  /** An nftables ruleset (`nft -f -`), or null. */
  readonly nft: string | null;
  /** The echo responder to start, or null. */
  readonly echo: { readonly delayMs: number; readonly jitterMs: number } | null;
}

export interface LabPlan {
  readonly topology: LabTopology;
  /** `ip -batch` lines run from the root namespace: veth pairs created straight into their namespaces. */
  readonly root: readonly string[];
  readonly namespaces: readonly NamespacePlan[];
}

const HOST_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;
const MAX_PREFIX_ADDRESSES = 4096n;

/** Namespace of a host; switch namespaces use a '.', which host names cannot contain. */
export function hostNs(id: string, host: string): string {
  return `${id}-${host}`;
}

function switchNs(id: string, link: number): string {
  return `${id}-sw.${link}`;
}

function normaliseLoss(loss: number | LossSpec | undefined, what: string): Required<LossSpec> | null {
  if (loss === undefined) return null;
  const spec: LossSpec = typeof loss === 'number' ? { percent: loss } : loss;
  const percent = spec.percent;
  if (!(percent >= 0 && percent <= 100) || !Number.isInteger(percent * 100)) {
    throw new Error(`${what}: loss percent must be within 0..100 with at most two decimals, not ${percent}`);
  }
  return { percent, packets: spec.packets ?? 'all' };
}

function normaliseReject(reject: HostSpec['reject']): RejectWith | null {
  if (reject === undefined || reject === false) return null;
  return reject === true ? 'admin-prohibited' : reject;
}

interface DraftLink {
  readonly hosts: readonly string[];
  readonly v4: Prefix;
  readonly v6: Prefix;
  readonly loss: Required<LossSpec> | null;
}

/**
 * Whether net.ipv4.icmp_msgs_per_sec/burst are per network namespace (Linux 6.12 on). Before,
 * they were host-wide: a lab must not touch them there.
 */
export function icmpLimitsPerNetns(release = osRelease()): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  return major > 6 || (major === 6 && minor >= 12);
}

export function planLab(
  id: string,
  spec: LabSpec,
  kernel = { icmpLimitsPerNetns: icmpLimitsPerNetns() },
): LabPlan {
  if (!/^nd[0-9a-f]{4,8}$/.test(id)) throw new Error(`lab id '${id}' must be 'nd' and 4..8 hex digits`);
  const given = spec.hosts ?? {};
  // Hosts in order of first appearance (chains, then links): the order `status` and tests list them.
  const hostSpecs = new Map<string, HostSpec>();
  const routers = new Set<string>();
  const mention = (name: string, where: string): void => {
    if (!HOST_NAME.test(name)) throw new Error(`${where}: host name '${name}' must match ${HOST_NAME}`);
    if (!hostSpecs.has(name)) hostSpecs.set(name, Object.hasOwn(given, name) ? given[name]! : {});
  };

  // Chains first, then explicit links: interface numbers follow this order.
  const linkSpecs: { hosts: readonly string[]; v4?: string; v6?: string; loss?: number | LossSpec }[] = [];
  const chainLinks = new Map<string, { from: string; to: string; routers: string[]; first: number }>();
  for (const [name, chain] of Object.entries(spec.chains ?? {})) {
    const names = chainRouters(chain);
    if (names.length === 0) throw new Error(`chain '${name}' has no routers`);
    const path = [chain.from, ...names, chain.to];
    if (new Set(path).size !== path.length) throw new Error(`chain '${name}' visits a host twice`);
    for (const r of names) {
      if (routers.has(r)) throw new Error(`chain '${name}': router '${r}' already belongs to another chain`);
      routers.add(r);
    }
    for (const h of path) mention(h, `chain '${name}'`);
    chainLinks.set(name, { from: chain.from, to: chain.to, routers: names, first: linkSpecs.length });
    for (let i = 0; i + 1 < path.length; i++) linkSpecs.push({ hosts: [path[i]!, path[i + 1]!] });
  }
  for (const [i, link] of (spec.links ?? []).entries()) {
    if (link.hosts.length < 2) throw new Error(`links[${i}] needs at least two hosts`);
    if (new Set(link.hosts).size !== link.hosts.length) throw new Error(`links[${i}] names a host twice`);
    for (const h of link.hosts) mention(h, `links[${i}]`);
    linkSpecs.push(link);
  }
  for (const name of Object.keys(given)) mention(name, 'hosts');
  if (linkSpecs.length > 999) throw new Error('a lab has at most 999 links');
  for (const [name, h] of hostSpecs) if (h.router) routers.add(name);

  // Subnets: the spec's own first, so allocation steers around them.
  const allocator = new SubnetAllocator();
  const chosen = linkSpecs.map((l, i) => {
    const pick = (text: string | undefined, family: Family): Prefix | undefined => {
      if (text === undefined) return undefined;
      const p = parsePrefix(text);
      if (p.family !== family) throw new Error(`links[${i}]: '${text}' is not an IPv${family} prefix`);
      assertLabPrefix(p, `links[${i}] subnet`);
      if (size(p) < BigInt(l.hosts.length + (family === 4 ? 2 : 1))) {
        throw new Error(`links[${i}]: ${text} is too small for ${l.hosts.length} hosts`);
      }
      allocator.reserve(p);
      return p;
    };
    return { v4: pick(l.v4, 4), v6: pick(l.v6, 6) };
  });
  const extra = new Map<string, Prefix[]>();
  for (const [name, h] of hostSpecs) {
    const list = (h.prefixes ?? []).map((text) => {
      const p = parsePrefix(text);
      assertLabPrefix(p, `host '${name}' prefix`);
      if (size(p) > MAX_PREFIX_ADDRESSES)
        throw new Error(`host '${name}': ${text} has more than 4096 addresses`);
      allocator.reserve(p);
      return p;
    });
    extra.set(name, list);
  }
  const links: DraftLink[] = linkSpecs.map((l, i) => ({
    hosts: l.hosts,
    v4: chosen[i]!.v4 ?? allocator.v4(l.hosts.length),
    v6: chosen[i]!.v6 ?? allocator.v6(),
    loss: normaliseLoss(l.loss, `links[${i}]`),
  }));

  // Interfaces: ethN per host in link order; addresses .1, .2, ... in the link's host order.
  const ifaces = new Map<string, { name: string; link: number; v4: string; v6: string }[]>();
  for (const name of hostSpecs.keys()) ifaces.set(name, []);
  links.forEach((l, k) => {
    l.hosts.forEach((h, j) => {
      const list = ifaces.get(h)!;
      list.push({
        name: `eth${list.length}`,
        link: k,
        v4: nth(l.v4, BigInt(j + 1)),
        v6: nth(l.v6, BigInt(j + 1)),
      });
    });
  });
  for (const [name, list] of ifaces) {
    if (list.length === 0) throw new Error(`host '${name}' is on no link`);
  }
  const ifaceOn = (host: string, link: number) => ifaces.get(host)!.find((i) => i.link === link)!;

  // Routes: per destination prefix, a breadth-first search outwards from its owners through hosts
  // that forward; every host then routes via all neighbours one step closer (equal-cost paths
  // become multipath routes).
  const routes = new Map<string, { 4: TopologyRoute[]; 6: TopologyRoute[] }>();
  for (const name of hostSpecs.keys()) routes.set(name, { 4: [], 6: [] });
  const destinations: { prefixes: Prefix[]; owners: string[]; local: boolean }[] = [
    ...links.map((l) => ({ prefixes: [l.v4, l.v6], owners: [...l.hosts], local: false })),
    ...[...extra].flatMap(([h, list]) => list.map((p) => ({ prefixes: [p], owners: [h], local: true }))),
  ];
  for (const d of destinations) {
    const dist = new Map<string, number>(d.owners.map((o) => [o, 0]));
    // An owner of a host prefix delivers locally; anyone else must forward to be a gateway.
    const canRelay = (h: string): boolean => routers.has(h) || (d.local && dist.get(h) === 0);
    const queue = [...d.owners];
    for (let qi = 0; qi < queue.length; qi++) {
      const y = queue[qi]!;
      if (!canRelay(y)) continue;
      for (const i of ifaces.get(y)!) {
        for (const x of links[i.link]!.hosts) {
          if (dist.has(x)) continue;
          dist.set(x, dist.get(y)! + 1);
          queue.push(x);
        }
      }
    }
    for (const [x, dx] of dist) {
      if (dx === 0) continue;
      for (const p of d.prefixes) {
        const key = p.family === 4 ? 'v4' : 'v6';
        const via: TopologyRoute['via'][number][] = [];
        for (const i of ifaces.get(x)!) {
          for (const y of links[i.link]!.hosts) {
            if (y === x || dist.get(y) !== dx - 1 || !canRelay(y)) continue;
            via.push({ address: ifaceOn(y, i.link)[key], dev: i.name, host: y });
          }
        }
        routes.get(x)![p.family].push({ prefix: formatPrefix(p), via });
      }
    }
  }

  const topologyHosts: Record<string, TopologyHost> = {};
  for (const [name, h] of hostSpecs) {
    const list = ifaces.get(name)!;
    if (h.echo && !(h.echo.delayMs >= 0 && (h.echo.jitterMs ?? 0) >= 0)) {
      throw new Error(`host '${name}': echo delay and jitter must be non-negative`);
    }
    topologyHosts[name] = {
      name,
      ns: hostNs(id, name),
      router: routers.has(name),
      v4: list[0]!.v4,
      v6: list[0]!.v6,
      interfaces: list,
      prefixes: extra.get(name)!.map(formatPrefix),
      routes: routes.get(name)!,
      silent: h.silent === true,
      reject: normaliseReject(h.reject),
      loss: normaliseLoss(h.loss, `host '${name}'`),
      echo: h.echo ? { delayMs: h.echo.delayMs, jitterMs: h.echo.jitterMs ?? 0 } : null,
    };
  }
  // Every end host must reach every other host's main address: a spec that forgot a router or a
  // link fails here with the pair named, not later as a mysterious timeout. (Routers are exempt:
  // in a diamond of two routers between two end hosts, neither router can reach the other's far
  // side, as in any real network whose end hosts do not forward.)
  for (const a of Object.values(topologyHosts)) {
    for (const b of Object.values(topologyHosts)) {
      if (a.router || a === b || a.interfaces.some((i) => links[i.link]!.hosts.includes(b.name))) continue;
      if (
        !a.routes[4].some(
          (r) => r.prefix === formatPrefix(links[b.interfaces[0]!.link]!.v4) && r.via.length > 0,
        )
      ) {
        throw new Error(`host '${a.name}' cannot reach '${b.name}': no path through routers`);
      }
    }
  }

  const topologyLinks: TopologyLink[] = links.map((l, k) => ({
    hosts: l.hosts,
    v4: formatPrefix(l.v4),
    v6: formatPrefix(l.v6),
    switchNs: l.hosts.length > 2 ? switchNs(id, k) : null,
    loss: l.loss,
  }));
  const chains: Record<string, TopologyChain> = {};
  for (const [name, c] of chainLinks) {
    const hop = (family: Family) =>
      c.routers.map((r, i) => ifaceOn(r, c.first + i)[family === 4 ? 'v4' : 'v6']);
    chains[name] = { from: c.from, to: c.to, routers: c.routers, hops: { 4: hop(4), 6: hop(6) } };
  }
  const namespaces = [
    ...Object.values(topologyHosts).map((h) => h.ns),
    ...topologyLinks.flatMap((l) => (l.switchNs ? [l.switchNs] : [])),
  ];
  const topology: LabTopology = { id, hosts: topologyHosts, links: topologyLinks, chains, namespaces };
  return { topology, ...commands(topology, hostSpecs, kernel.icmpLimitsPerNetns) };
}

function sysctlsFor(h: TopologyHost, spec: HostSpec, icmpLimits: boolean): string[] {
  const s = new Map<string, string>([
    // Addresses must be usable at once, link-local ones included (set before interfaces arrive).
    ['net.ipv6.conf.all.accept_dad', '0'],
    ['net.ipv6.conf.default.accept_dad', '0'],
    // Lab hosts answer every probe: a per-destination ICMP rate limit would turn fast traces and
    // floods into sporadic '*' that no test could tell from real loss.
    ['net.ipv4.icmp_ratelimit', '0'],
    ['net.ipv6.icmp.ratelimit', '0'],
  ]);
  if (icmpLimits) {
    // The namespace-wide budget (default 1000/s, burst 50, shared by ICMP and ICMPv6) is
    // spent by one IPv4 traceroute to a rejecting host, leaving the IPv6 one with '!X * *'.
    s.set('net.ipv4.icmp_msgs_per_sec', '100000');
    s.set('net.ipv4.icmp_msgs_burst', '10000');
  }
  if (h.router) {
    s.set('net.ipv4.ip_forward', '1');
    s.set('net.ipv6.conf.all.forwarding', '1');
  }
  if (h.echo) {
    s.set('net.ipv4.icmp_echo_ignore_all', '1');
    s.set('net.ipv6.icmp.echo_ignore_all', '1');
  }
  if (spec.pingGroupRange)
    s.set('net.ipv4.ping_group_range', `${spec.pingGroupRange[0]} ${spec.pingGroupRange[1]}`);
  for (const [k, v] of Object.entries(spec.sysctl ?? {})) s.set(k, String(v));
  return [...s].map(([k, v]) => `${k}=${v}`);
}

function routeLine(r: TopologyRoute): string {
  const [only, ...more] = r.via;
  if (!only) throw new Error(`route to ${r.prefix} has no next hop`);
  if (more.length === 0) return `route add ${r.prefix} via ${only.address} dev ${only.dev}`;
  return `route add ${r.prefix} ${r.via.map((v) => `nexthop via ${v.address} dev ${v.dev}`).join(' ')}`;
}

function commands(
  t: LabTopology,
  specs: ReadonlyMap<string, HostSpec>,
  icmpLimits: boolean,
): Omit<LabPlan, 'topology'> {
  const root: string[] = [];
  const perNs = new Map<string, string[]>(t.namespaces.map((ns) => [ns, ['link set lo up']]));
  // Each veth pair is born with both ends already inside their namespaces under their final
  // names: nothing ever appears in the root namespace (so a crash cannot leave a veth there), and
  // it is some 30 times faster than creating the pair in the root namespace and moving it, where
  // every new link wakes the host's own network daemons.
  t.links.forEach((l, k) => {
    const ifname = (host: string) => t.hosts[host]!.interfaces.find((i) => i.link === k)!.name;
    if (!l.switchNs) {
      const [a, b] = l.hosts as [string, string];
      root.push(
        `link add ${ifname(a)} netns ${t.hosts[a]!.ns} type veth peer name ${ifname(b)} netns ${t.hosts[b]!.ns}`,
      );
      return;
    }
    const sw = perNs.get(l.switchNs)!;
    sw.push('link add br0 type bridge', 'link set br0 up');
    l.hosts.forEach((name, j) => {
      root.push(
        `link add ${ifname(name)} netns ${t.hosts[name]!.ns} type veth peer name p${j} netns ${l.switchNs}`,
      );
      sw.push(`link set p${j} master br0`, `link set p${j} up`);
    });
  });
  for (const h of Object.values(t.hosts)) {
    const lines = perNs.get(h.ns)!;
    for (const i of h.interfaces) {
      const link = t.links[i.link]!;
      lines.push(`link set ${i.name} up`);
      lines.push(`address add ${i.v4}/${link.v4.split('/')[1]} dev ${i.name}`);
      lines.push(`address add ${i.v6}/${link.v6.split('/')[1]} dev ${i.name} nodad`);
    }
    for (const text of h.prefixes) {
      const p = parsePrefix(text);
      const full = p.family === 4 ? 32 : 128;
      for (let n = 0n; n < size(p); n++) {
        lines.push(`address add ${nth(p, n)}/${full} dev lo${p.family === 6 ? ' nodad' : ''}`);
      }
    }
    for (const r of [...h.routes[4], ...h.routes[6]]) lines.push(routeLine(r));
  }
  const namespaces: NamespacePlan[] = t.namespaces.map((ns) => {
    const h = Object.values(t.hosts).find((x) => x.ns === ns);
    if (!h) {
      // A switch only bridges: no addresses of its own, nothing to say on the segment.
      return {
        ns,
        sysctl: ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'],
        ip: perNs.get(ns)!,
        nft: null,
        echo: null,
      };
    }
    return {
      ns,
      sysctl: sysctlsFor(h, specs.get(h.name) ?? {}, icmpLimits),
      ip: perNs.get(ns)!,
      nft: firewallRules(h, t),
      echo: h.echo,
    };
  });
  return { root, namespaces };
}
