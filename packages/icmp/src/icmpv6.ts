import { addressBytes } from './address.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import type { Decoded } from './decode-error.js';
import { decodeIcmp, encodeIcmpUnchecked, type IcmpTypeTable, writeChecksum } from './icmp-codec.js';
import type { IcmpMessage } from './icmp-message.js';

export const ICMPV6_TYPES: IcmpTypeTable = {
  name: 'ICMPv6',
  destinationUnreachable: 1,
  packetTooBig: 2,
  timeExceeded: 3,
  parameterProblem: 4,
  echoRequest: 128,
  echoReply: 129,
  lengthUnit: 8,
  lengthOffset: 4,
  parameterProblemHasLength: false,
};

export const IPPROTO_ICMPV6 = 58;

/** ICMPv6 destination-unreachable codes (RFC 4443), with traceroute's marks. */
export const ICMPV6_UNREACHABLE: Readonly<Record<number, { readonly name: string; readonly mark: string }>> =
  {
    0: { name: 'no route to destination', mark: '!N' },
    1: { name: 'communication administratively prohibited', mark: '!X' },
    2: { name: 'beyond scope of source address', mark: '!S' },
    3: { name: 'address unreachable', mark: '!H' },
    4: { name: 'port unreachable', mark: '' },
    5: { name: 'source address failed ingress/egress policy', mark: '!X' },
    6: { name: 'reject route to destination', mark: '!X' },
  };

export const icmpv6 = {
  /** Decodes the ICMPv6 message at `offset` (raw IPv6 sockets deliver it without the IPv6 header). */
  decode(bytes: Uint8Array, offset = 0): Decoded<IcmpMessage> {
    return decodeIcmp(ICMPV6_TYPES, bytes, offset);
  },
  /**
   * Encodes a message. With the addresses, the checksum covers the pseudo-header (RFC 4443 §2.3);
   * without them it is left zero, which raw ICMPv6 sockets fill in themselves (RFC 3542 §3.1).
   */
  encode(
    message: IcmpMessage,
    addresses?: { readonly source: string; readonly destination: string },
  ): Uint8Array {
    const out = encodeIcmpUnchecked(ICMPV6_TYPES, message);
    if (!addresses) return out;
    const pseudo = pseudoHeaderSum(
      addressBytes(addresses.source),
      addressBytes(addresses.destination),
      IPPROTO_ICMPV6,
      out.length,
    );
    return writeChecksum(out, internetChecksum(out, pseudo));
  },
  encodingLength(message: IcmpMessage): number {
    return encodeIcmpUnchecked(ICMPV6_TYPES, message).length;
  },
};
