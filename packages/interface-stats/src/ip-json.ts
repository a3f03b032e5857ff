import type { Interface } from './types.js';

/**
 * One interface in the terms both netdiag and `ip -j addr` can state, for comparing the two
 * (tests, and anyone checking netdiag against iproute2). Left out, because the sources used here
 * do not carry them: qdisc, group, link mode, M-DOWN, address lifetimes, IPv4 address flags where
 * the source is getifaddrs, and IPv6 flags above the low byte (mngtmpaddr, noprefixroute,
 * stable-privacy).
 */
export interface IpComparable {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly mtu: number;
  readonly operstate: string;
  readonly link_type: string;
  readonly address: string | null;
  readonly broadcast: string | null;
  readonly txqlen: number | null;
  readonly addr_info: readonly {
    readonly family: string;
    readonly local: string;
    readonly prefixlen: number;
    readonly scope: string;
    readonly label: string | null;
    readonly flags: readonly string[];
  }[];
}

type AddrInfo = IpComparable['addr_info'][number];

const ipv6FlagNames = [
  'temporary',
  'nodad',
  'optimistic',
  'dadfailed',
  'home',
  'deprecated',
  'tentative',
  'dynamic',
];

const byFamilyThenAddress = (a: AddrInfo, b: AddrInfo) =>
  a.family.localeCompare(b.family) || a.local.localeCompare(b.local);

/** netdiag's view of an interface, in `ip -j` terms. */
export function comparableFromInterface(i: Interface): IpComparable {
  return {
    ifindex: i.index,
    ifname: i.name,
    flags: i.flags,
    mtu: i.mtu,
    operstate: i.operState.toUpperCase(),
    link_type: i.linkType,
    address: i.mac ?? null,
    broadcast: i.broadcast ?? null,
    txqlen: i.txQueueLength ?? null,
    addr_info: i.addresses
      .map((a): AddrInfo => {
        if (a.family === 'inet') {
          // Where the source knows them (netlink); ip says "dynamic" for an address that is not
          // permanent, and never "permanent".
          const flags: string[] = (a.flags ?? []).filter((f) => f !== 'permanent');
          if (a.flags !== undefined && !a.flags.includes('permanent')) flags.push('dynamic');
          return {
            family: a.family,
            local: a.address,
            prefixlen: a.prefixLength,
            scope: a.scope,
            label: a.label,
            flags: flags.sort(),
          };
        }
        // ip prints "dynamic" for an address without IFA_F_PERMANENT, and never "permanent".
        const flags: string[] = a.flags.filter((f) => f !== 'permanent');
        if (!a.flags.includes('permanent')) flags.push('dynamic');
        return {
          family: a.family,
          local: a.address,
          prefixlen: a.prefixLength,
          scope: a.scope,
          label: null,
          flags: flags.sort(),
        };
      })
      .sort(byFamilyThenAddress),
  };
}

const ipv4FlagNames = ['secondary', 'dynamic', 'deprecated', 'noprefixroute', 'autojoin'];

/**
 * One entry of `ip -j addr` (or `ip -j link`, without addr_info) in the same terms. IPv4 address
 * flags are compared only with `ipv4Flags` (for interfaces read over netlink; getifaddrs has none).
 */
export function comparableFromIpJson(
  entry: Record<string, unknown>,
  options: { readonly ipv4Flags?: boolean } = {},
): IpComparable {
  const addrInfo = (entry.addr_info ?? []) as Record<string, unknown>[];
  return {
    ifindex: entry.ifindex as number,
    ifname: entry.ifname as string,
    flags: (entry.flags as string[]).filter((f) => f !== 'M-DOWN'),
    mtu: entry.mtu as number,
    operstate: entry.operstate as string,
    link_type: entry.link_type as string,
    address: (entry.address as string | undefined) ?? null,
    broadcast: (entry.broadcast as string | undefined) ?? null,
    txqlen: (entry.txqlen as number | undefined) ?? null,
    addr_info: addrInfo
      .map(
        (a): AddrInfo => ({
          family: a.family as string,
          local: a.local as string,
          prefixlen: a.prefixlen as number,
          scope: a.scope as string,
          label: a.family === 'inet' ? ((a.label as string | undefined) ?? null) : null,
          flags:
            a.family === 'inet6'
              ? ipv6FlagNames.filter((f) => a[f] === true).sort()
              : options.ipv4Flags
                ? ipv4FlagNames.filter((f) => a[f] === true).sort()
                : [],
        }),
      )
      .sort(byFamilyThenAddress),
  };
}
