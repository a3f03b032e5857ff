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
