/**
 * The declarative description of a lab: which hosts exist, how they are wired and what each one
 * does to the traffic it sees. A spec says nothing about namespaces, interface names or routes:
 * `plan.ts` derives those, so every spec gets a fully routed, dual-stack network.
 */

/** Random loss, drawn per packet by nftables `numgen random mod 100 < percent`. */
export interface LossSpec {
  /** 0..100, the share of matching packets dropped. */
  readonly percent: number;
  /**
   * Which arriving packets may be dropped: only ICMP/ICMPv6 echo requests, or every packet except
   * IPv6 neighbour discovery (ARP is not IP and is never dropped either, so both families lose
   * only their payload traffic, never their address resolution).
   */
  readonly packets?: 'echo-requests' | 'all';
}

/** The ICMP error a rejecting host answers with (the ICMPv6 equivalent is used for IPv6). */
export type RejectWith = 'admin-prohibited' | 'host-unreachable' | 'net-unreachable' | 'port-unreachable';

export interface HostSpec {
  /** Forwards packets (ip_forward, IPv6 forwarding). Hosts named in a chain's routers are routers. */
  readonly router?: boolean;
  /** Drops the ICMP errors this host would originate (time exceeded, unreachable, ...): a `*` hop. */
  readonly silent?: boolean;
  /** Answers traffic addressed to it with this ICMP error (`true`: admin-prohibited, traceroute `!X`). */
  readonly reject?: boolean | RejectWith;
  /** Random loss of packets arriving at this host (including those it forwards). */
  readonly loss?: number | LossSpec;
  /**
   * Echo requests are answered by a userspace responder instead of the kernel, after `delayMs`
   * plus a uniform jitter in [-jitterMs, +jitterMs] (never below zero), as netem would.
   */
  readonly echo?: { readonly delayMs: number; readonly jitterMs?: number };
  /**
   * Prefixes whose every address is assigned to this host (on `lo`) and routed to from all other
   * hosts, e.g. `['198.18.0.0/22']` for 1024 addresses. At most 4096 addresses per prefix.
   */
  readonly prefixes?: readonly string[];
  /** net.ipv4.ping_group_range inside this host; the namespace default ("1 0") otherwise. */
  readonly pingGroupRange?: readonly [number, number];
  /** Further sysctls, applied last (keys as `sysctl` spells them). */
  readonly sysctl?: Readonly<Record<string, string | number>>;
}

/**
 * One layer-2 segment. Two hosts get a veth pair; three or more get a bridge in a namespace of its
 * own (hosts still see a plain `ethN`), e.g. a subnet for ARP scans.
 */
export interface LinkSpec {
  readonly hosts: readonly string[];
  /** IPv4 subnet (inside 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24); allocated if absent. */
  readonly v4?: string;
  /** IPv6 subnet (inside 2001:db8::/32); a /64 is allocated if absent. */
  readonly v6?: string;
  /** Random loss of packets arriving over this link, at every host on it. */
  readonly loss?: number | LossSpec;
}

/** client -> r1 -> ... -> rN -> target, one link between each neighbour pair. */
export interface ChainSpec {
  readonly from: string;
  readonly to: string;
  /** A count (routers named `${routerPrefix}1..N`) or the router names in order from `from`. */
  readonly routers: number | readonly string[];
  /** Default 'r'. */
  readonly routerPrefix?: string;
}

export interface LabSpec {
  /** Options per host. Hosts that appear only in links or chains are plain hosts. */
  readonly hosts?: Readonly<Record<string, HostSpec>>;
  /** Chains are wired first, in order, then `links`. */
  readonly chains?: Readonly<Record<string, ChainSpec>>;
  readonly links?: readonly LinkSpec[];
}

/** Router names of a chain, in order from its `from` host. */
export function chainRouters(chain: ChainSpec): string[] {
  if (typeof chain.routers !== 'number') return [...chain.routers];
  const prefix = chain.routerPrefix ?? 'r';
  return Array.from({ length: chain.routers }, (_, i) => `${prefix}${i + 1}`);
}

/**
 * The topology every lab test shares (built once by the vitest global setup):
 * client -> r1 ... r8 -> far (chain `main`), and off r3, each on its own link, the targets
 * t3 (plain), delayed (20 ms responder), lossy (30% of echo requests dropped), many
 * (198.18.0.0/22) and reject (admin-prohibited).
 */
export function standardLab(): LabSpec {
  return {
    hosts: {
      delayed: { echo: { delayMs: 20, jitterMs: 0 } },
      lossy: { loss: { percent: 30, packets: 'echo-requests' } },
      many: { prefixes: ['198.18.0.0/22'] },
      reject: { reject: 'admin-prohibited' },
    },
    chains: { main: { from: 'client', to: 'far', routers: 8 } },
    links: ['t3', 'delayed', 'lossy', 'many', 'reject'].map((target) => ({ hosts: ['r3', target] })),
  };
}
