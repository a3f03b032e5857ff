import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '@netdiag/address';
import ipaddr from 'ipaddr.js';

/** An address as a number, for range and tree look-ups. IPv4-mapped IPv6 counts as IPv4. */
export interface NumericAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
  /** The text as inet_ntop writes it. */
  readonly text: string;
  /** Whether the address is global unicast: not private, documentation, loopback, link-local... */
  readonly global: boolean;
}

const isMapped = (b: Uint8Array) =>
  b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

export function parseAddress(text: string): NumericAddress | undefined {
  let bytes = parseIpv4(text) ?? parseIpv6(text);
  if (bytes === undefined) return undefined;
  if (bytes.length === 16 && isMapped(bytes)) bytes = bytes.subarray(12);
  const family = bytes.length === 4 ? 4 : 6;
  return {
    family,
    value: bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n),
    text: family === 4 ? formatIpv4(bytes) : formatIpv6(bytes),
    // ipaddr.js keeps the IANA special-purpose registries; only its range table is used here.
    global: ipaddr.fromByteArray([...bytes]).range() === 'unicast',
  };
}

/** The text of an address given as a number. */
export function addressText(family: 4 | 6, value: bigint): string {
  const bytes: number[] = [];
  for (let i = family === 4 ? 3 : 15; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/**
 * The largest CIDR block that holds `value` and lies inside [start, end]: a range in a data set
 * need not be one prefix, but every address of this block is known to belong to it.
 */
export function prefixWithin(family: 4 | 6, value: bigint, start: bigint, end: bigint): string {
  const width = family === 4 ? 32 : 128;
  for (let length = 0; length <= width; length++) {
    const hostBits = BigInt(width - length);
    const mask = (1n << hostBits) - 1n;
    const first = value & ~mask;
    if (first >= start && (first | mask) <= end) return `${addressText(family, first)}/${length}`;
  }
  return `${addressText(family, value)}/${width}`;
}

/** `address/length`, the address reduced to its network. */
export function prefixOf(family: 4 | 6, value: bigint, length: number): string {
  const width = family === 4 ? 32 : 128;
  const mask = (1n << BigInt(width - length)) - 1n;
  return `${addressText(family, value & ~mask)}/${length}`;
}
