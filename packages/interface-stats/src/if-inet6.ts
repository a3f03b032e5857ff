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

/** "20010db8000000000000000000000001" to "2001:db8::1" (RFC 5952: lower case, longest zero run). */
export function formatIpv6(hex32: string): string {
  const groups: number[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(hex32.slice(i, i + 4), 16));
  // IPv4-mapped (::ffff:a.b.c.d) is written with the dotted quad, as inet_ntop does.
  // So is the deprecated IPv4-compatible form (::a.b.c.d) when the seventh group is not zero.
  const dotted = () => `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  if (groups.slice(0, 5).every((g) => g === 0)) {
    if (groups[5] === 0xffff) return `::ffff:${dotted()}`;
    if (groups[5] === 0 && groups[6] !== 0) return `::${dotted()}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
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
