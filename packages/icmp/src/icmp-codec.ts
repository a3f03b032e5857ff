// The ICMP wire format shared by ICMPv4 (RFC 792) and ICMPv6 (RFC 4443): the two differ only in
// type numbers, the unit of RFC 4884's length field, and which messages carry it. Both codecs are
// this one, parameterised by a table, so the two can never drift apart.
import { internetChecksum } from './checksum.js';
import { type Decoded, DecodeError } from './decode-error.js';
import { decodeExtensions, encodeExtensions, type IcmpExtensionObject } from './icmp-extension.js';
import type { IcmpMessage } from './icmp-message.js';

export const ICMP_HEADER = 8;
/** RFC 4884: the quoted datagram is padded to at least 128 bytes when extensions follow. */
const RFC4884_MIN_ORIGINAL = 128;

export interface IcmpTypeTable {
  readonly name: 'ICMPv4' | 'ICMPv6';
  readonly echoRequest: number;
  readonly echoReply: number;
  readonly destinationUnreachable: number;
  readonly timeExceeded: number;
  readonly parameterProblem: number;
  /** ICMPv6 only. */
  readonly packetTooBig: number | null;
  /** Bytes per unit of RFC 4884's length field: 4 for ICMPv4, 8 for ICMPv6. */
  readonly lengthUnit: number;
  /** Byte offset of the length field in the message. */
  readonly lengthOffset: number;
  readonly parameterProblemHasLength: boolean;
}

export function decodeIcmp(table: IcmpTypeTable, bytes: Uint8Array, offset: number): Decoded<IcmpMessage> {
  const available = bytes.length - offset;
  if (available < ICMP_HEADER)
    throw DecodeError.truncated(`${table.name} header`, ICMP_HEADER, Math.max(0, available));
  const msg = bytes.subarray(offset);
  const type = msg[0]!;
  const code = msg[1]!;
  const u16 = (i: number) => (msg[i]! << 8) | msg[i + 1]!;
  const bytesRead = msg.length;
  const quoted = (withLength: boolean) => splitOriginal(table, msg, withLength);

  switch (type) {
    case table.echoRequest:
    case table.echoReply:
      return {
        value: {
          kind: type === table.echoRequest ? 'echo-request' : 'echo-reply',
          code,
          identifier: u16(4),
          sequence: u16(6),
          payload: msg.slice(ICMP_HEADER),
        },
        bytesRead,
      };
    case table.destinationUnreachable:
      return {
        value: {
          kind: 'destination-unreachable',
          code,
          nextHopMtu: table.name === 'ICMPv4' ? u16(6) : 0,
          ...quoted(true),
        },
        bytesRead,
      };
    case table.timeExceeded:
      return { value: { kind: 'time-exceeded', code, ...quoted(true) }, bytesRead };
    case table.parameterProblem:
      return {
        value: {
          kind: 'parameter-problem',
          code,
          pointer: table.name === 'ICMPv4' ? msg[4]! : ((u16(4) << 16) | u16(6)) >>> 0,
          ...quoted(table.parameterProblemHasLength),
        },
        bytesRead,
      };
    case table.packetTooBig:
      return {
        value: {
          kind: 'packet-too-big',
          code,
          mtu: ((u16(4) << 16) | u16(6)) >>> 0,
          original: msg.slice(ICMP_HEADER),
        },
        bytesRead,
      };
    default:
      return { value: { kind: 'other', type, code, body: msg.slice(4) }, bytesRead };
  }
}

/**
 * Separates the quoted datagram from an RFC 4884 extension structure. A length field that
 * overruns the message, or extension bytes that do not parse, leave everything as the quote:
 * a sloppy router must not cost us its time exceeded.
 */
function splitOriginal(
  table: IcmpTypeTable,
  msg: Uint8Array,
  withLength: boolean,
): { original: Uint8Array; extensions: ReturnType<typeof decodeExtensions> } {
  const body = msg.subarray(ICMP_HEADER);
  const whole = { original: body.slice(), extensions: null };
  if (!withLength) return whole;
  const lengthField = msg[table.lengthOffset]!;
  if (lengthField > 0) {
    const originalLength = lengthField * table.lengthUnit;
    if (originalLength >= body.length) return whole;
    const extensions = decodeExtensions(body.subarray(originalLength), false);
    return extensions ? { original: body.slice(0, originalLength), extensions } : whole;
  }
  // Before RFC 4884, some routers appended MPLS extensions after exactly 128 bytes of quote with
  // a zero length field; accept those only when the structure's checksum verifies (as mtr does).
  if (body.length > RFC4884_MIN_ORIGINAL) {
    const extensions = decodeExtensions(body.subarray(RFC4884_MIN_ORIGINAL), true);
    if (extensions) return { original: body.slice(0, RFC4884_MIN_ORIGINAL), extensions };
  }
  return whole;
}

/**
 * Encodes a message with its checksum field zero; the caller computes the checksum (ICMPv4 over
 * the message, ICMPv6 with the pseudo-header) or lets the kernel do it.
 */
export function encodeIcmpUnchecked(table: IcmpTypeTable, m: IcmpMessage): Uint8Array {
  const header = new Uint8Array(ICMP_HEADER);
  const view = new DataView(header.buffer);
  let rest: Uint8Array;
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      header[0] = m.kind === 'echo-request' ? table.echoRequest : table.echoReply;
      view.setUint16(4, m.identifier);
      view.setUint16(6, m.sequence);
      rest = m.payload;
      break;
    case 'destination-unreachable':
    case 'time-exceeded': {
      header[0] = m.kind === 'time-exceeded' ? table.timeExceeded : table.destinationUnreachable;
      if (m.kind === 'destination-unreachable' && table.name === 'ICMPv4') view.setUint16(6, m.nextHopMtu);
      rest = withExtensions(table, header, m.original, m.extensions?.objects);
      break;
    }
    case 'parameter-problem':
      header[0] = table.parameterProblem;
      if (table.name === 'ICMPv4') header[4] = m.pointer;
      else view.setUint32(4, m.pointer);
      rest = withExtensions(
        table,
        header,
        m.original,
        table.parameterProblemHasLength ? m.extensions?.objects : undefined,
      );
      break;
    case 'packet-too-big':
      if (table.packetTooBig === null)
        throw new DecodeError(table.name, 'malformed', 'no packet-too-big message in ICMPv4');
      header[0] = table.packetTooBig;
      view.setUint32(4, m.mtu);
      rest = m.original;
      break;
    case 'other': {
      header[0] = m.type;
      header[1] = m.code;
      const out = new Uint8Array(4 + m.body.length);
      out.set(header.subarray(0, 4));
      out.set(m.body, 4);
      return out;
    }
  }
  header[1] = m.code;
  const out = new Uint8Array(ICMP_HEADER + rest.length);
  out.set(header);
  out.set(rest, ICMP_HEADER);
  return out;
}

function withExtensions(
  table: IcmpTypeTable,
  header: Uint8Array,
  original: Uint8Array,
  objects: readonly IcmpExtensionObject[] | undefined,
): Uint8Array {
  if (!objects) return original;
  // Pad the quote to 128 bytes and to a whole number of length units, then say its length.
  const unit = table.lengthUnit;
  const padded = Math.ceil(Math.max(original.length, RFC4884_MIN_ORIGINAL) / unit) * unit;
  if (padded / unit > 255)
    throw new DecodeError(table.name, 'malformed', 'quoted datagram too long for RFC 4884');
  header[table.lengthOffset] = padded / unit;
  const ext = encodeExtensions(objects);
  const out = new Uint8Array(padded + ext.length);
  out.set(original);
  out.set(ext, padded);
  return out;
}

export function writeChecksum(message: Uint8Array, checksum: number): Uint8Array {
  message[2] = checksum >> 8;
  message[3] = checksum & 0xff;
  return message;
}

export { internetChecksum };
