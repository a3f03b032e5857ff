/**
 * RFC 1071 one's-complement sum of 16-bit big-endian words, folded to 16 bits. `initial` lets a
 * pseudo-header sum be carried in. An odd trailing byte is padded with zero on the right.
 */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length;
  let i = 0;
  // A 64 KiB datagram sums to under 2^32, far inside a double's exact range: fold once at the end.
  for (; i + 1 < n; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < n) sum += data[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The Internet checksum of `data` (RFC 1071): the one's complement of the one's-complement sum. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/**
 * The one's-complement sum of the pseudo-header that UDP, TCP (IPv4 and IPv6) and ICMPv6 add to
 * their checksums: source, destination, upper-layer length and protocol number.
 */
export function pseudoHeaderSum(
  source: Uint8Array,
  destination: Uint8Array,
  protocol: number,
  length: number,
): number {
  let sum = onesComplementSum(source) + onesComplementSum(destination) + protocol;
  sum += source.length === 16 ? (length >>> 16) + (length & 0xffff) : length & 0xffff;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
