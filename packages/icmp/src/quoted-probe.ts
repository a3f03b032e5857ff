import { DecodeError } from './decode-error.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;

/** What a router quoted of the transport header: enough to say which probe it was. */
export type QuotedTransport =
  | {
      readonly protocol: 'icmp';
      readonly type: number;
      readonly identifier: number;
      readonly sequence: number;
    }
  | {
      readonly protocol: 'udp';
      readonly sourcePort: number;
      readonly destinationPort: number;
      readonly checksum: number;
    }
  | {
      readonly protocol: 'tcp';
      readonly sourcePort: number;
      readonly destinationPort: number;
      readonly sequence: number;
    }
  | { readonly protocol: 'other'; readonly number: number };

/** The probe an ICMP error was about, read from the datagram it quotes. */
export interface QuotedProbe {
  readonly family: 4 | 6;
  readonly source: string;
  readonly destination: string;
  /** The TTL / hop limit the probe had when it reached the reporting router (usually 1). */
  readonly ttl: number;
  /** IPv4 identification of the probe (0 for IPv6), a matching aid for UDP/TCP probes. */
  readonly identification: number;
  readonly transport: QuotedTransport;
}

/**
 * Decodes the quoted datagram of an ICMP error. Routers must quote the IP header and at least 8
 * bytes of the transport header (RFC 792), which is all that matching needs; fewer is a
 * DecodeError.
 */
export function decodeQuotedProbe(family: 4 | 6, original: Uint8Array): QuotedProbe {
  let source: string;
  let destination: string;
  let ttl: number;
  let identification = 0;
  let protocolNumber: number;
  let at: number;
  if (family === 4) {
    const { value, bytesRead } = ipv4.decode(original);
    ({ source, destination, ttl, identification } = value);
    protocolNumber = value.protocol;
    at = bytesRead;
  } else {
    const { value, bytesRead } = ipv6.decode(original);
    ({ source, destination } = value);
    ttl = value.hopLimit;
    protocolNumber = value.nextHeader;
    at = bytesRead;
  }
  if (original.length - at < 8)
    throw DecodeError.truncated('quoted transport header', 8, original.length - at);
  const u16 = (i: number) => (original[at + i]! << 8) | original[at + i + 1]!;
  let transport: QuotedTransport;
  if (protocolNumber === (family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
    transport = { protocol: 'icmp', type: original[at]!, identifier: u16(4), sequence: u16(6) };
  } else if (protocolNumber === IPPROTO_UDP) {
    transport = { protocol: 'udp', sourcePort: u16(0), destinationPort: u16(2), checksum: u16(6) };
  } else if (protocolNumber === IPPROTO_TCP) {
    transport = {
      protocol: 'tcp',
      sourcePort: u16(0),
      destinationPort: u16(2),
      sequence: ((u16(4) << 16) | u16(6)) >>> 0,
    };
  } else {
    transport = { protocol: 'other', number: protocolNumber };
  }
  return { family, source, destination, ttl, identification, transport };
}
