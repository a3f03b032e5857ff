import { COOKIE_BYTES, PAYLOAD_HEADER } from './payload.js';

/** What the receive path needs of an echo reply: read in place, nothing allocated. */
export interface EchoReplyView {
  identifier: number;
  sequence: number;
  slot: number;
  /** IPv4 TTL from the header; -1 where the socket gives no IP header (IPv6, datagram sockets). */
  ttl: number;
}

const ECHO_REPLY = { 4: 0, 6: 129 } as const;

/**
 * Reads an echo reply carrying this agent's cookie without decoding the whole packet: 10,000
 * replies a second pass through here, and most ICMP a raw socket sees is someone else's. Returns
 * false for anything else (other types, other cookies, short or malformed packets), which the
 * caller then hands to @netdiag/icmp's codecs (ICMP errors) or drops. The checksum is not
 * verified: the kernel has (raw sockets deliver only checksummed ICMP... on IPv6; on IPv4 a
 * corrupted reply would have to keep cookie, slot and a matching sequence to be miscounted).
 */
export function readEchoReply(
  family: 4 | 6,
  data: Uint8Array,
  hasIpHeader: boolean,
  cookie: Uint8Array,
  out: EchoReplyView,
): boolean {
  let at = 0;
  out.ttl = -1;
  if (family === 4 && hasIpHeader) {
    if (data.length < 20 || data[0]! >> 4 !== 4) return false;
    at = (data[0]! & 15) * 4;
    if (at < 20) return false;
    out.ttl = data[8]!;
  }
  if (data.length < at + 8 + PAYLOAD_HEADER || data[at] !== ECHO_REPLY[family] || data[at + 1] !== 0)
    return false;
  const payload = at + 8;
  for (let i = 0; i < COOKIE_BYTES; i++) if (data[payload + i] !== cookie[i]) return false;
  out.identifier = (data[at + 4]! << 8) | data[at + 5]!;
  out.sequence = (data[at + 6]! << 8) | data[at + 7]!;
  const s = payload + COOKIE_BYTES;
  out.slot = ((data[s]! << 24) | (data[s + 1]! << 16) | (data[s + 2]! << 8) | data[s + 3]!) >>> 0;
  return true;
}
