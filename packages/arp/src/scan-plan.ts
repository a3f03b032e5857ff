import ipaddr from 'ipaddr.js';
import { ipv4ToNumber, numberToIpv4 } from './ipv4.js';

/** Above this many addresses (a /16) a scan needs `force`: it is that many broadcasts. */
export const largestUnforcedPrefix = 16;

export interface ScanPlan {
  readonly network: string;
  readonly prefixLength: number;
  /** Number of addresses probed: the range less its network and broadcast addresses (below /31) and our own. */
  readonly count: number;
  /** The addresses to probe, in order; lazily, so a forced /8 does not build a 16M-element array. */
  targets(): Generator<string>;
}

export type ScanPlanError =
  | { readonly code: 'bad-cidr'; readonly message: string }
  | { readonly code: 'too-large'; readonly message: string }
  | { readonly code: 'outside-subnet'; readonly message: string };

export interface InterfaceSubnets {
  readonly name: string;
  readonly ipv4: readonly { readonly address: string; readonly prefixLength: number }[];
}

/**
 * Validates a scan of `cidr` from `iface` and lists its targets. A range larger than a /16 needs
 * `force`; a range not inside one of the interface's own IPv4 subnets needs `allowForeign`
 * (ARP only reaches the link, so such a scan is usually a mistake).
 */
export function planScan(
  cidr: string,
  iface: InterfaceSubnets,
  options: { force?: boolean; allowForeign?: boolean } = {},
): { ok: true; plan: ScanPlan } | { ok: false; error: ScanPlanError } {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), 32];
  } catch {
    return {
      ok: false,
      error: { code: 'bad-cidr', message: `'${cidr}' is not an IPv4 address or CIDR range` },
    };
  }
  const [addr, prefixLength] = parsed;
  if (addr.kind() !== 'ipv4' || !ipaddr.IPv4.isValidFourPartDecimal(cidr.split('/')[0]!)) {
    return {
      ok: false,
      error: {
        code: 'bad-cidr',
        message: `'${cidr}' is not an IPv4 range (ARP is IPv4 only; IPv6 uses neighbour discovery)`,
      },
    };
  }
  if (prefixLength < largestUnforcedPrefix && !options.force) {
    return {
      ok: false,
      error: {
        code: 'too-large',
        message: `${cidr} is ${2 ** (32 - prefixLength)} addresses, more than a /${largestUnforcedPrefix}; add --force to scan it`,
      },
    };
  }
  const size = 2 ** (32 - prefixLength);
  const network = (ipv4ToNumber(addr.toString())! & (prefixLength === 0 ? 0 : ~(size - 1) >>> 0)) >>> 0;
  const own = new Set(iface.ipv4.map((a) => ipv4ToNumber(a.address)));
  const inside = iface.ipv4.some((a) => {
    const sub = 2 ** (32 - a.prefixLength);
    const subNet = (ipv4ToNumber(a.address)! - (ipv4ToNumber(a.address)! % sub)) >>> 0;
    return a.prefixLength <= prefixLength && network >= subNet && network + size <= subNet + sub;
  });
  if (!inside && !options.allowForeign) {
    const subnets = iface.ipv4.map((a) => `${a.address}/${a.prefixLength}`).join(', ') || 'no IPv4 address';
    return {
      ok: false,
      error: {
        code: 'outside-subnet',
        message: `${cidr} is not inside ${iface.name}'s subnets (${subnets}); add --foreign to scan it anyway`,
      },
    };
  }
  const first = prefixLength <= 30 ? network + 1 : network;
  const last = prefixLength <= 30 ? network + size - 2 : network + size - 1;
  let count = last - first + 1;
  for (const o of own) if (o !== undefined && o >= first && o <= last) count--;
  return {
    ok: true,
    plan: {
      network: numberToIpv4(network),
      prefixLength,
      count,
      *targets() {
        for (let n = first; n <= last; n++) if (!own.has(n)) yield numberToIpv4(n);
      },
    },
  };
}
