import { internetChecksum } from './checksum.js';
import type { Decoded } from './decode-error.js';
import { decodeIcmp, encodeIcmpUnchecked, type IcmpTypeTable, writeChecksum } from './icmp-codec.js';
import type { IcmpMessage } from './icmp-message.js';

export const ICMPV4_TYPES: IcmpTypeTable = {
  name: 'ICMPv4',
  echoReply: 0,
  destinationUnreachable: 3,
  echoRequest: 8,
  timeExceeded: 11,
  parameterProblem: 12,
  packetTooBig: null,
  lengthUnit: 4,
  lengthOffset: 5,
  parameterProblemHasLength: true,
};

/** ICMPv4 destination-unreachable codes, with the marks traceroute prints for them. */
export const ICMPV4_UNREACHABLE: Readonly<Record<number, { readonly name: string; readonly mark: string }>> =
  {
    0: { name: 'network unreachable', mark: '!N' },
    1: { name: 'host unreachable', mark: '!H' },
    2: { name: 'protocol unreachable', mark: '!P' },
    3: { name: 'port unreachable', mark: '' },
    4: { name: 'fragmentation needed', mark: '!F' },
    5: { name: 'source route failed', mark: '!S' },
    6: { name: 'destination network unknown', mark: '!N' },
    7: { name: 'destination host unknown', mark: '!H' },
    9: { name: 'network administratively prohibited', mark: '!X' },
    10: { name: 'host administratively prohibited', mark: '!X' },
    11: { name: 'network unreachable for TOS', mark: '!N' },
    12: { name: 'host unreachable for TOS', mark: '!H' },
    13: { name: 'communication administratively prohibited', mark: '!X' },
    14: { name: 'host precedence violation', mark: '!V' },
    15: { name: 'precedence cutoff in effect', mark: '!C' },
  };

export const icmpv4 = {
  /** Decodes the ICMPv4 message at `offset` (after the IPv4 header). Throws only DecodeError. */
  decode(bytes: Uint8Array, offset = 0): Decoded<IcmpMessage> {
    return decodeIcmp(ICMPV4_TYPES, bytes, offset);
  },
  /** Encodes a message with its checksum. */
  encode(message: IcmpMessage): Uint8Array {
    const out = encodeIcmpUnchecked(ICMPV4_TYPES, message);
    return writeChecksum(out, internetChecksum(out));
  },
  encodingLength(message: IcmpMessage): number {
    return encodeIcmpUnchecked(ICMPV4_TYPES, message).length;
  },
  /** Whether the checksum of a received message verifies. */
  checksumOk(message: Uint8Array): boolean {
    return internetChecksum(message) === 0;
  },
};
