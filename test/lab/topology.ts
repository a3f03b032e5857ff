import ipaddr from 'ipaddr.js';
import type { LossSpec, RejectWith } from './spec.js';

/**
 * The plain-JSON description of a built lab: what a test needs to know to address its hosts and
 * to predict what a trace should see. It crosses process boundaries (vitest `provide`, the state
 * file of `npm run lab`), so it holds only strings, numbers, booleans, arrays and objects.
 */
export type Family = 4 | 6;

export interface TopologyInterface {
  /** Name inside the host's namespace: eth0, eth1, ... in link order. */
  readonly name: string;
  /** Index into `LabTopology.links`. */
  readonly link: number;
  readonly v4: string;
  readonly v6: string;
}

export interface TopologyRoute {
  /** Destination prefix, e.g. '192.0.2.8/30'. */
  readonly prefix: string;
  /** One entry per equal-cost next hop. */
  readonly via: readonly { readonly address: string; readonly dev: string; readonly host: string }[];
}

export interface TopologyHost {
  readonly name: string;
  readonly ns: string;
  readonly router: boolean;
  /** The main addresses: those of the first interface (what a probe of this host targets). */
  readonly v4: string;
  readonly v6: string;
  readonly interfaces: readonly TopologyInterface[];
  /** Prefixes all of whose addresses sit on this host's `lo`. */
  readonly prefixes: readonly string[];
  readonly routes: { readonly 4: readonly TopologyRoute[]; readonly 6: readonly TopologyRoute[] };
  readonly silent: boolean;
  readonly reject: RejectWith | null;
  readonly loss: Required<LossSpec> | null;
  readonly echo: { readonly delayMs: number; readonly jitterMs: number } | null;
}

export interface TopologyLink {
  readonly hosts: readonly string[];
  readonly v4: string;
  readonly v6: string;
  /** The namespace holding the bridge, for links of three or more hosts. */
  readonly switchNs: string | null;
  readonly loss: Required<LossSpec> | null;
}

export interface TopologyChain {
  readonly from: string;
  readonly to: string;
  readonly routers: readonly string[];
  /**
   * What traceroute lists, hop by hop: each router's address on the link towards `from` (the
   * source its time-exceeded carries), without the final target.
   */
  readonly hops: { readonly 4: readonly string[]; readonly 6: readonly string[] };
}

export interface LabTopology {
  readonly id: string;
  readonly hosts: Readonly<Record<string, TopologyHost>>;
  readonly links: readonly TopologyLink[];
  readonly chains: Readonly<Record<string, TopologyChain>>;
  /** Every namespace of the lab (hosts and switches), all prefixed with `${id}-`. */
  readonly namespaces: readonly string[];
}

function host(topology: LabTopology, name: string): TopologyHost {
  const h = topology.hosts[name];
  if (!h) throw new Error(`lab ${topology.id} has no host '${name}'`);
  return h;
}

function contains(prefix: string, address: string): boolean {
  const [net, len] = ipaddr.parseCIDR(prefix);
  const a = ipaddr.parse(address);
  return a.kind() === net.kind() && a.match(net, len);
}

function prefixLength(prefix: string): number {
  return ipaddr.parseCIDR(prefix)[1];
}

/**
 * The addresses a trace from host `from` to `to` (a host, whose main address is traced, or an
 * address) lists, following the lab's routes: each gateway's
 * address on the link the packet arrived over, then `to`'s address. With equal-cost paths the
 * first next hop is followed.
 */
export function hopsBetween(topology: LabTopology, from: string, to: string, family: Family): string[] {
  const target = topology.hosts[to]?.[family === 4 ? 'v4' : 'v6'] ?? to;
  if (!ipaddr.isValid(target)) throw new Error(`lab ${topology.id} has no host '${to}'`);
  const hops: string[] = [];
  const key = family === 4 ? 'v4' : 'v6';
  const owns = (h: TopologyHost): boolean =>
    h.interfaces.some((i) => i[key] === target) ||
    h.prefixes.some(
      (p) => ipaddr.parse(target).kind() === ipaddr.parseCIDR(p)[0].kind() && contains(p, target),
    );
  let at = host(topology, from);
  if (owns(at)) return hops;
  for (let guard = 0; guard < 256; guard++) {
    const connected = at.interfaces.some((i) => {
      const link = topology.links[i.link];
      return link !== undefined && contains(link[key], target);
    });
    if (connected) return [...hops, target];
    const route = at.routes[family]
      .filter((r) => contains(r.prefix, target))
      .sort((a, b) => prefixLength(b.prefix) - prefixLength(a.prefix))[0];
    const next = route?.via[0];
    if (!next) throw new Error(`lab ${topology.id}: no route from '${at.name}' to ${target}`);
    at = host(topology, next.host);
    // The owner answers from the probed address itself, not from its link address.
    if (owns(at)) return [...hops, target];
    hops.push(next.address);
  }
  throw new Error(`lab ${topology.id}: routing loop towards ${target}`);
}
