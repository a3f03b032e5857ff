import ipaddr from 'ipaddr.js';

/** An address prefix (`198.18.0.0/15`, `2001:db8::/32`, or one address). */
export interface Prefix {
  readonly text: string;
  readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

export function parsePrefix(text: string): Prefix | undefined {
  try {
    if (text.includes('/')) return { text, range: ipaddr.parseCIDR(text) };
    const address = ipaddr.parse(text);
    return { text, range: [address, address.kind() === 'ipv4' ? 32 : 128] };
  } catch {
    return undefined;
  }
}

export function prefixContains(prefix: Prefix, address: string): boolean {
  try {
    const a = ipaddr.process(address);
    const [net] = prefix.range;
    return a.kind() === net.kind() && a.match(prefix.range as never);
  } catch {
    return false;
  }
}
