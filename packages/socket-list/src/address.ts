import { hexDigit, type LineCursor } from './scan.js';

/**
 * /proc/net prints each 32-bit word of an address as the number the CPU reads from memory, so the
 * byte order of the text is the host's. Callers pass the host's order (os.endianness()) in; the
 * parsers stay pure.
 */
export type ByteOrder = 'LE' | 'BE';

/** Formats a word read from /proc (network bytes in host order) as a dotted quad. */
export function formatIpv4Word(w: number, order: ByteOrder): string {
  return order === 'LE'
    ? `${w & 255}.${(w >>> 8) & 255}.${(w >>> 16) & 255}.${w >>> 24}`
    : `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

export { formatIpv6Groups } from '@netdiag/address';

/** Reads an IPv6 address printed as four host-order words (32 hex digits) at the cursor; null if malformed. */
export function readIpv6(c: LineCursor, order: ByteOrder, groups: number[]): boolean {
  const t = c.text;
  if (c.end - c.i < 32) {
    c.ok = false;
    return false;
  }
  for (let w = 0; w < 4; w++) {
    let v = 0;
    for (let k = 0; k < 8; k++) {
      const d = hexDigit(t.charCodeAt(c.i + w * 8 + k));
      if (d < 0) {
        c.ok = false;
        return false;
      }
      v = v * 16 + d;
    }
    if (order === 'LE') {
      groups[w * 2] = ((v & 255) << 8) | ((v >>> 8) & 255);
      groups[w * 2 + 1] = (((v >>> 16) & 255) << 8) | (v >>> 24);
    } else {
      groups[w * 2] = v >>> 16;
      groups[w * 2 + 1] = v & 0xffff;
    }
  }
  c.i += 32;
  return true;
}

/** Reads an IPv6 address printed in network order (32 hex digits, as in /proc/net/ipv6_route). */
export function readIpv6NetworkOrder(c: LineCursor, groups: number[]): boolean {
  const t = c.text;
  if (c.end - c.i < 32) {
    c.ok = false;
    return false;
  }
  for (let k = 0; k < 8; k++) {
    let v = 0;
    for (let d = 0; d < 4; d++) {
      const x = hexDigit(t.charCodeAt(c.i + k * 4 + d));
      if (x < 0) {
        c.ok = false;
        return false;
      }
      v = v * 16 + x;
    }
    groups[k] = v;
  }
  c.i += 32;
  return true;
}
