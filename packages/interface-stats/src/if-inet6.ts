import { formatIpv6Groups } from '@netdiag/address';
import type { AddressScope, Ipv6Address, Ipv6AddressFlag } from './types.js';

/** One line of /proc/net/if_inet6, with the interface it belongs to. */
export interface IfInet6Entry {
  readonly ifindex: number;
  readonly ifname: string;
  readonly address: Ipv6Address;
}

export class IfInet6ParseError extends Error {
  override readonly name = 'IfInet6ParseError';
  constructor(
    readonly line: number,
    readonly text: string,
  ) {
    super(`/proc/net/if_inet6 line ${line}: cannot parse ${JSON.stringify(text.slice(0, 80))}`);
  }
}

// IFA_F_* of the low byte: all that /proc/net/if_inet6 shows (the kernel writes (u8)ifp->flags),
// and the IPv6 flags RTM_NEWADDR reports too (rtm-addr.ts).
const flagBits: readonly (readonly [number, Ipv6AddressFlag])[] = [
  [0x01, 'temporary'],
  [0x02, 'nodad'],
  [0x04, 'optimistic'],
  [0x08, 'dadfailed'],
  [0x10, 'home'],
  [0x20, 'deprecated'],
  [0x40, 'tentative'],
  [0x80, 'permanent'],
];

/** The names of the IFA_F_* flags set in `bits`, as `ip addr` prints them for IPv6. */
export function ipv6FlagNames(bits: number): Ipv6AddressFlag[] {
  return flagBits.filter(([bit]) => bits & bit).map(([, name]) => name);
}

/** ipv6_addr_scope() values: IPV6_ADDR_LOOPBACK 0x10, LINKLOCAL 0x20, SITELOCAL 0x40, else global. */
function scopeOf(value: number): AddressScope {
  switch (value & 0xf0) {
    case 0x10:
      return 'host';
    case 0x20:
      return 'link';
    case 0x40:
      return 'site';
    default:
      return 'global';
  }
}

/** "20010db8000000000000000000000001" to "2001:db8::1", as inet_ntop writes it. */
export function formatIpv6(hex32: string): string {
  const groups: number[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(hex32.slice(i, i + 4), 16));
  return formatIpv6Groups(groups);
}

/** Parses /proc/net/if_inet6: address, ifindex, prefix length, scope, flags, name (all hex). */
export function parseIfInet6(text: string): IfInet6Entry[] {
  const out: IfInet6Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (
      f.length !== 6 ||
      !/^[0-9a-f]{32}$/i.test(f[0]!) ||
      !f.slice(1, 5).every((x) => /^[0-9a-f]+$/i.test(x)) ||
      f[5] === ''
    ) {
      throw new IfInet6ParseError(i + 1, line);
    }
    const prefixLength = Number.parseInt(f[2]!, 16);
    if (prefixLength > 128) throw new IfInet6ParseError(i + 1, line);
    const flagsValue = Number.parseInt(f[4]!, 16);
    out.push({
      ifindex: Number.parseInt(f[1]!, 16),
      ifname: f[5]!,
      address: {
        family: 'inet6',
        address: formatIpv6(f[0]!.toLowerCase()),
        prefixLength,
        scope: scopeOf(Number.parseInt(f[3]!, 16)),
        flags: ipv6FlagNames(flagsValue),
      },
    });
  }
  return out;
}
