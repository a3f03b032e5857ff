// The text forms and the parsers live in @netdiag/address, shared with capture, netstat, if and
// the socket layer; re-exported here because the codecs and their callers take them from here.
import { parseIpv4, parseIpv6 } from '@netdiag/address';
import { DecodeError } from './decode-error.js';

export { addressFamily, formatIpv4, formatIpv6 } from '@netdiag/address';

/**
 * The bytes of an IPv4 (dotted quad only: not the legacy `1` or `0x7f.1`) or IPv6 address given
 * as text; throws DecodeError for anything else.
 */
export function addressBytes(address: string): Uint8Array {
  const bytes = parseIpv4(address) ?? parseIpv6(address);
  if (!bytes) throw new DecodeError('address', 'malformed', `not an IP address: ${JSON.stringify(address)}`);
  return bytes;
}
