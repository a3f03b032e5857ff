/** Operational state as the kernel reports it (RFC 2863, /sys/class/net/<if>/operstate). */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

export type Duplex = 'full' | 'half';

/** One link (interface) without its addresses: what `ip link` shows. */
export interface Link {
  readonly name: string;
  readonly index: number;
  /** The interface it is stacked on or paired with (veth peer, VLAN parent); absent when itself. */
  readonly linkIndex?: number;
  /** Flag names in the order and spelling of `ip link` (NO-CARRIER, LOOPBACK, BROADCAST, ... UP, LOWER_UP). */
  readonly flags: readonly string[];
  /** The raw IFF_* bits of dev_get_flags(): admin flags plus RUNNING, LOWER_UP and DORMANT. */
  readonly flagBits: number;
  readonly operState: OperState;
  readonly mtu: number;
  /** ARPHRD type as `ip` names it: ether, loopback, none, gre, ... or `[N]`. */
  readonly linkType: string;
  /** Hardware address (lower-case, colon separated); absent for links without one (tun, ipip). */
  readonly mac?: string;
  readonly broadcast?: string;
  /** Mbit/s; only present when the driver reports it (not for lo, or a link that is down). */
  readonly speedMbps?: number;
  readonly duplex?: Duplex;
  readonly txQueueLength?: number;
}

export type AddressScope = 'global' | 'site' | 'link' | 'host';

export interface Ipv4Address {
  readonly family: 'inet';
  readonly address: string;
  readonly prefixLength: number;
  /**
   * Inferred from the address (127/8 is host, the rest global): the getifaddrs source carries
   * no scope. A netlink source reports the configured scope.
   */
  readonly scope: AddressScope;
  /** The IPv4 label (`eth0:1` for an alias); equal to the interface name when none was set. */
  readonly label: string;
  /**
   * IFA_F_* flags (netlink only): `secondary` for a further address in a subnet the link already
   * has, `permanent` unless it has a lifetime (ip says "dynamic" then). Absent where the source
   * cannot tell (getifaddrs), which is not the same as none.
   */
  readonly flags?: readonly Ipv4AddressFlag[];
}

/** IFA_F_* flags of an IPv4 address, as `ip` names them. */
export type Ipv4AddressFlag = 'secondary' | 'deprecated' | 'permanent' | 'noprefixroute' | 'autojoin';

/** IFA_F_* flags of an IPv6 address, as `ip` names them. */
export type Ipv6AddressFlag =
  | 'temporary'
  | 'nodad'
  | 'optimistic'
  | 'dadfailed'
  | 'home'
  | 'deprecated'
  | 'tentative'
  | 'permanent';

export interface Ipv6Address {
  readonly family: 'inet6';
  readonly address: string;
  readonly prefixLength: number;
  readonly scope: AddressScope;
  readonly flags: readonly Ipv6AddressFlag[];
}

export type InterfaceAddress = Ipv4Address | Ipv6Address;

/**
 * Counters since the interface was created. bigint because 64-bit counters pass 2^53 (a 100 Gbit/s
 * link does so within days) and a rate needs exact differences.
 */
export interface Counters {
  readonly rxBytes: bigint;
  readonly rxPackets: bigint;
  readonly rxErrors: bigint;
  readonly rxDropped: bigint;
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
  readonly txDropped: bigint;
}

export const counterNames = [
  'rxBytes',
  'rxPackets',
  'rxErrors',
  'rxDropped',
  'txBytes',
  'txPackets',
  'txErrors',
  'txDropped',
] as const satisfies readonly (keyof Counters)[];

/** Everything netdiag knows about one interface: `ip addr` plus counters. */
export interface Interface extends Link {
  readonly addresses: readonly InterfaceAddress[];
  /**
   * False when the IPv4 source cannot see this interface's IPv4 addresses: getifaddrs as Node
   * exposes it (os.networkInterfaces) skips links that are not UP and RUNNING. Consumers must not
   * read an empty list as "no IPv4 address" then.
   */
  readonly ipv4Complete: boolean;
  readonly counters?: Counters;
}
