import ipaddr from 'ipaddr.js';
import { DecodeError } from './decode-error.js';

/** Dotted-quad text of the four bytes at `offset`. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** RFC 5952 text (the compressed form `ip` and `ping` print) of the 16 bytes at `offset`. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  return (
    ipaddr.fromByteArray(Array.from(bytes.subarray(offset, offset + 16))) as ipaddr.IPv6
  ).toRFC5952String();
}

const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * 4 for a dotted-quad IPv4 address, 6 for an IPv6 address (a zone, `%eth0`, allowed), 0 for
 * anything else, as node:net's isIP answers; here so that a run given an address does not load
 * node:net (2 ms at start-up) to learn that it was given one.
 */
export function addressFamily(text: string): 0 | 4 | 6 {
  if (DOTTED_QUAD.test(text)) return 4;
  const percent = text.indexOf('%');
  const address = percent < 0 ? text : text.slice(0, percent);
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return 0;
  return isIpv6Text(address) ? 6 : 0;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** RFC 4291 text: eight groups, or fewer around one `::`; the last two may be a dotted quad. */
function isIpv6Text(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (const [h, half] of halves.entries()) {
    if (half === '') continue;
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && DOTTED_QUAD.test(part)) groups += 2;
      else if (HEX_GROUP.test(part)) groups += 1;
      else return false;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** The bytes of an IPv4 or IPv6 address given as text; throws DecodeError for anything else. */
export function addressBytes(address: string): Uint8Array {
  if (!ipaddr.isValid(address))
    throw new DecodeError('address', 'malformed', `not an IP address: ${JSON.stringify(address)}`);
  const parsed = ipaddr.parse(address);
  // IPv4 has lenient legacy forms (e.g. "1" or "0x7f.1"); accept only the dotted quad here.
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(address)) {
    throw new DecodeError(
      'address',
      'malformed',
      `not a dotted-quad IPv4 address: ${JSON.stringify(address)}`,
    );
  }
  return Uint8Array.from(parsed.toByteArray());
}
