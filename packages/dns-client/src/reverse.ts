import ipaddr from 'ipaddr.js';
import { DnsError } from './errors.js';

/**
 * The PTR name for an address: `10.2.0.192.in-addr.arpa.` (RFC 1035 3.5) or the nibble form
 * under `ip6.arpa.` (RFC 3596 2.5). An IPv4-mapped IPv6 address is looked up as IPv4, as
 * getnameinfo does.
 */
export function reverseName(address: string): string {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.split('%')[0]!);
  } catch {
    throw new DnsError('BAD_INPUT', `not an IP address: ${address}`);
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const bytes = parsed.toByteArray();
  if (parsed.kind() === 'ipv4') return `${bytes.reverse().join('.')}.in-addr.arpa.`;
  const nibbles = bytes.flatMap((b) => [b >> 4, b & 0xf]).reverse();
  return `${nibbles.map((n) => n.toString(16)).join('.')}.ip6.arpa.`;
}
