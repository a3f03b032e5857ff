// The text forms and the parsers live in @netdiag/address, shared with capture, netstat, if and
// the socket layer; re-exported here because the codecs and their callers take them from here.
import { isIpv4Text, parseIpv4, parseIpv6 } from '@netdiag/address';
import { DecodeError } from './decode-error.js';

export { formatIpv4, formatIpv6 } from '@netdiag/address';

const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * 4 for a dotted-quad IPv4 address, 6 for an IPv6 address (a zone, `%eth0`, allowed), 0 for
 * anything else, as node:net's isIP answers; here so that a run given an address does not load
 * node:net (2 ms at start-up) to learn that it was given one.
 */
export function addressFamily(text: string): 0 | 4 | 6 {
  if (isIpv4Text(text)) return 4;
  const percent = text.indexOf('%');
  const address = percent < 0 ? text : text.slice(0, percent);
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return 0;
  return parseIpv6(address) ? 6 : 0;
}

/**
 * The bytes of an IPv4 (dotted quad only: not the legacy `1` or `0x7f.1`) or IPv6 address given
 * as text; throws DecodeError for anything else.
 */
export function addressBytes(address: string): Uint8Array {
  const bytes = parseIpv4(address) ?? parseIpv6(address);
  if (!bytes) throw new DecodeError('address', 'malformed', `not an IP address: ${JSON.stringify(address)}`);
  return bytes;
}
