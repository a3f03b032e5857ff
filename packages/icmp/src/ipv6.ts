import { addressBytes, formatIpv6 } from './address.js';
import { type Decoded, DecodeError } from './decode-error.js';

/** The fixed IPv6 header (RFC 8200). Extension headers, if any, follow as payload. */
export interface Ipv6Header {
  readonly version: 6;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly source: string;
  readonly destination: string;
}

export const IPV6_HEADER = 40;

export const ipv6 = {
  decode(bytes: Uint8Array, offset = 0): Decoded<Ipv6Header> {
    const available = bytes.length - offset;
    if (available < IPV6_HEADER)
      throw DecodeError.truncated('IPv6 header', IPV6_HEADER, Math.max(0, available));
    const version = bytes[offset]! >> 4;
    if (version !== 6) throw new DecodeError('IPv6 header', 'malformed', `version ${version}, not 6`);
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, IPV6_HEADER);
    const word0 = view.getUint32(0);
    return {
      value: {
        version: 6,
        trafficClass: (word0 >>> 20) & 0xff,
        flowLabel: word0 & 0xfffff,
        payloadLength: view.getUint16(4),
        nextHeader: bytes[offset + 6]!,
        hopLimit: bytes[offset + 7]!,
        source: formatIpv6(bytes, offset + 8),
        destination: formatIpv6(bytes, offset + 24),
      },
      bytesRead: IPV6_HEADER,
    };
  },

  encode(header: Omit<Ipv6Header, 'version'>): Uint8Array {
    const out = new Uint8Array(IPV6_HEADER);
    const view = new DataView(out.buffer);
    view.setUint32(
      0,
      ((6 << 28) | ((header.trafficClass & 0xff) << 20) | (header.flowLabel & 0xfffff)) >>> 0,
    );
    view.setUint16(4, header.payloadLength);
    out[6] = header.nextHeader;
    out[7] = header.hopLimit;
    const src = addressBytes(header.source);
    const dst = addressBytes(header.destination);
    if (src.length !== 16 || dst.length !== 16)
      throw new DecodeError('IPv6 header', 'malformed', 'addresses must be IPv6');
    out.set(src, 8);
    out.set(dst, 24);
    return out;
  },

  encodingLength(): number {
    return IPV6_HEADER;
  },
};
