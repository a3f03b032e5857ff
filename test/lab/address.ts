import ipaddr from 'ipaddr.js';

/**
 * The only ranges a lab may use (RFC 5737 documentation nets, RFC 2544 benchmarking net,
 * RFC 3849 documentation prefix): whatever a test does, no packet can leave for a real network.
 */
const ALLOWED: readonly string[] = [
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '198.18.0.0/15',
  '2001:db8::/32',
];

export interface Prefix {
  readonly family: 4 | 6;
  /** The network address as a number. */
  readonly base: bigint;
  readonly length: number;
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return address.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
}

export function formatAddress(family: 4 | 6, n: bigint): string {
  const bytes: number[] = [];
  for (let i = bits(family) / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.base)}/${p.length}`;
}

/** Parses 'a.b.c.d/n' or 'x::/n'; host bits must be zero, so a typo cannot silently widen a net. */
export function parsePrefix(text: string): Prefix {
  if (!ipaddr.isValidCIDR(text)) throw new Error(`not a prefix: '${text}'`);
  const [address, length] = ipaddr.parseCIDR(text);
  const family = address.kind() === 'ipv4' ? 4 : 6;
  const base = toBigInt(address);
  const hostBits = BigInt(bits(family) - length);
  if (base & ((1n << hostBits) - 1n)) throw new Error(`prefix '${text}' has host bits set`);
  return { family, base, length };
}

export function size(p: Prefix): bigint {
  return 1n << BigInt(bits(p.family) - p.length);
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function within(inner: Prefix, outer: Prefix): boolean {
  return (
    inner.family === outer.family &&
    inner.length >= outer.length &&
    inner.base >= outer.base &&
    inner.base + size(inner) <= outer.base + size(outer)
  );
}

/** Throws unless the prefix lies inside one of the ranges a lab may use. */
export function assertLabPrefix(p: Prefix, what: string): void {
  if (!ALLOWED.some((range) => within(p, parsePrefix(range)))) {
    throw new Error(`${what} ${formatPrefix(p)} is outside the lab ranges (${ALLOWED.join(', ')})`);
  }
}

/** The `index`-th address of a prefix (0 is the network address). */
export function nth(p: Prefix, index: bigint): string {
  if (index < 0n || index >= size(p)) throw new Error(`address #${index} is outside ${formatPrefix(p)}`);
  return formatAddress(p.family, p.base + index);
}

/**
 * Hands out link subnets: IPv4 from the three documentation /24s (each link the smallest
 * power-of-two block holding its hosts, network and broadcast), IPv6 one /64 per link from
 * 2001:db8:N::/64, never overlapping a subnet the spec chose itself.
 */
export class SubnetAllocator {
  private readonly taken: Prefix[] = [];
  private v4Pool = 0;
  private v4Next = 0n;
  private v6Next = 1n;
  private static readonly V4_POOLS = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].map(parsePrefix);

  reserve(p: Prefix): void {
    const clash = this.taken.find((t) => overlaps(t, p));
    if (clash) throw new Error(`subnet ${formatPrefix(p)} overlaps ${formatPrefix(clash)}`);
    this.taken.push(p);
  }

  v4(hosts: number): Prefix {
    let length = 30;
    while (1n << BigInt(32 - length) < BigInt(hosts + 2)) length--;
    const blockSize = 1n << BigInt(32 - length);
    for (;;) {
      const pool = SubnetAllocator.V4_POOLS[this.v4Pool];
      if (!pool)
        throw new Error('the IPv4 documentation ranges are exhausted: give some links smaller subnets');
      const offset = ((this.v4Next + blockSize - 1n) / blockSize) * blockSize;
      if (offset + blockSize > size(pool)) {
        this.v4Pool++;
        this.v4Next = 0n;
        continue;
      }
      this.v4Next = offset + blockSize;
      const candidate: Prefix = { family: 4, base: pool.base + offset, length };
      if (this.taken.some((t) => overlaps(t, candidate))) continue;
      this.taken.push(candidate);
      return candidate;
    }
  }

  v6(): Prefix {
    const doc = parsePrefix('2001:db8::/32');
    for (;;) {
      if (this.v6Next > 0xffffn) throw new Error('no IPv6 /64 left in 2001:db8::/32');
      const candidate: Prefix = { family: 6, base: doc.base + (this.v6Next << 80n), length: 64 };
      this.v6Next++;
      if (this.taken.some((t) => overlaps(t, candidate))) continue;
      this.taken.push(candidate);
      return candidate;
    }
  }
}
