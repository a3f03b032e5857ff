import { addressBytes, formatIpv4 } from './address.js';
import { internetChecksum } from './checksum.js';
import { type Decoded, DecodeError } from './decode-error.js';

/** An IPv4 header (RFC 791). `totalLength` is as the header says, not as many bytes as arrived. */
export interface Ipv4Header {
  readonly version: 4;
  /** Header length in bytes (IHL × 4), 20 to 60. */
  readonly headerLength: number;
  readonly tos: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in bytes (the field × 8). */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly source: string;
  readonly destination: string;
  readonly options: Uint8Array;
}

export const IPV4_MIN_HEADER = 20;

export const ipv4 = {
  /**
   * Decodes the header at `offset`. The payload may be shorter than `totalLength` says: a datagram
   * quoted inside an ICMP error is cut short by design.
   */
  decode(bytes: Uint8Array, offset = 0): Decoded<Ipv4Header> {
    const available = bytes.length - offset;
    if (available < IPV4_MIN_HEADER)
      throw DecodeError.truncated('IPv4 header', IPV4_MIN_HEADER, Math.max(0, available));
    const b0 = bytes[offset]!;
    const version = b0 >> 4;
    if (version !== 4) throw new DecodeError('IPv4 header', 'malformed', `version ${version}, not 4`);
    const headerLength = (b0 & 0x0f) * 4;
    if (headerLength < IPV4_MIN_HEADER)
      throw new DecodeError('IPv4 header', 'malformed', `header length ${headerLength} below 20`);
    if (available < headerLength) throw DecodeError.truncated('IPv4 header', headerLength, available);
    const u16 = (i: number) => (bytes[offset + i]! << 8) | bytes[offset + i + 1]!;
    const flagsFrag = u16(6);
    return {
      value: {
        version: 4,
        headerLength,
        tos: bytes[offset + 1]!,
        totalLength: u16(2),
        identification: u16(4),
        dontFragment: (flagsFrag & 0x4000) !== 0,
        moreFragments: (flagsFrag & 0x2000) !== 0,
        fragmentOffset: (flagsFrag & 0x1fff) * 8,
        ttl: bytes[offset + 8]!,
        protocol: bytes[offset + 9]!,
        checksum: u16(10),
        source: formatIpv4(bytes, offset + 12),
        destination: formatIpv4(bytes, offset + 16),
        options: bytes.slice(offset + 20, offset + headerLength),
      },
      bytesRead: headerLength,
    };
  },

  /** Encodes the header; the checksum is computed (the `checksum` field is ignored). */
  encode(header: Omit<Ipv4Header, 'checksum' | 'headerLength' | 'version'>): Uint8Array {
    const optionsLength = header.options.length;
    if (optionsLength % 4 !== 0 || optionsLength > 40) {
      throw new DecodeError('IPv4 header', 'malformed', 'options must be a multiple of 4 bytes, at most 40');
    }
    const headerLength = IPV4_MIN_HEADER + optionsLength;
    const out = new Uint8Array(headerLength);
    const view = new DataView(out.buffer);
    out[0] = 0x40 | (headerLength / 4);
    out[1] = header.tos;
    view.setUint16(2, header.totalLength);
    view.setUint16(4, header.identification);
    const frag = header.fragmentOffset / 8;
    view.setUint16(
      6,
      (header.dontFragment ? 0x4000 : 0) | (header.moreFragments ? 0x2000 : 0) | (frag & 0x1fff),
    );
    out[8] = header.ttl;
    out[9] = header.protocol;
    out.set(addressBytes(header.source), 12);
    out.set(addressBytes(header.destination), 16);
    out.set(header.options, 20);
    view.setUint16(10, internetChecksum(out));
    return out;
  },

  encodingLength(header: Pick<Ipv4Header, 'options'>): number {
    return IPV4_MIN_HEADER + header.options.length;
  },
};
