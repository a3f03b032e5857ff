import { formatIpv4, parseIpv4 } from './ipv4.js';
import { formatMac, parseMac } from './mac.js';

/**
 * Ethernet II + ARP for IPv4 over Ethernet (RFC 826), the only pairing arping and arp-scan use.
 * Encode and decode are pure over bytes; decode assumes hostile input and names what is wrong.
 */

export const EtherType = { Arp: 0x0806, Vlan: 0x8100, Ipv4: 0x0800 } as const;

/** ARP operation codes; any other value decodes and survives as its number. */
export const ArpOperation = { Request: 1, Reply: 2 } as const;

export const ethernetHeaderLength = 14;
export const arpPayloadLength = 28;
/** An Ethernet frame is at least 60 bytes before the FCS; shorter ARP frames are padded. */
export const minimumFrameLength = 60;

export interface ArpPacket {
  readonly operation: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

export interface ArpFrame extends ArpPacket {
  readonly destinationMac: string;
  readonly sourceMac: string;
  /** 802.1Q VLAN id when the frame carried a tag (packet sockets usually strip it). */
  readonly vlan?: number;
}

export type ArpDecodeErrorCode =
  | 'truncated'
  | 'not-arp'
  | 'unsupported-hardware'
  | 'unsupported-protocol'
  | 'bad-lengths';

export interface ArpDecodeError {
  readonly code: ArpDecodeErrorCode;
  readonly message: string;
}

export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly bytesRead: number }
  | { readonly ok: false; readonly error: ArpDecodeError };

const fail = (code: ArpDecodeErrorCode, message: string): { ok: false; error: ArpDecodeError } => ({
  ok: false,
  error: { code, message },
});

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes the 28-byte ARP payload (Ethernet/IPv4 only). */
export function decodeArpPacket(bytes: Uint8Array, offset = 0): Decoded<ArpPacket> {
  if (bytes.length - offset < 8)
    return fail('truncated', `ARP header needs 8 bytes, got ${Math.max(0, bytes.length - offset)}`);
  const v = view(bytes);
  const htype = v.getUint16(offset);
  const ptype = v.getUint16(offset + 2);
  const hlen = bytes[offset + 4]!;
  const plen = bytes[offset + 5]!;
  if (htype !== 1)
    return fail('unsupported-hardware', `ARP hardware type ${htype}, only Ethernet (1) is handled`);
  if (ptype !== EtherType.Ipv4)
    return fail('unsupported-protocol', `ARP protocol type 0x${ptype.toString(16)}, only IPv4 is handled`);
  if (hlen !== 6 || plen !== 4)
    return fail('bad-lengths', `ARP address lengths ${hlen}/${plen}, Ethernet/IPv4 needs 6/4`);
  if (bytes.length - offset < arpPayloadLength) {
    return fail('truncated', `ARP packet needs ${arpPayloadLength} bytes, got ${bytes.length - offset}`);
  }
  return {
    ok: true,
    value: {
      operation: v.getUint16(offset + 6),
      senderMac: formatMac(bytes, offset + 8),
      senderIp: formatIpv4(bytes, offset + 14),
      targetMac: formatMac(bytes, offset + 18),
      targetIp: formatIpv4(bytes, offset + 24),
    },
    bytesRead: arpPayloadLength,
  };
}

/** Decodes an Ethernet frame carrying ARP (with or without one 802.1Q tag); padding is ignored. */
export function decodeArpFrame(bytes: Uint8Array): Decoded<ArpFrame> {
  if (bytes.length < ethernetHeaderLength)
    return fail('truncated', `Ethernet header needs 14 bytes, got ${bytes.length}`);
  const v = view(bytes);
  let typeAt = 12;
  let vlan: number | undefined;
  if (v.getUint16(12) === EtherType.Vlan) {
    if (bytes.length < 18) return fail('truncated', `802.1Q header needs 18 bytes, got ${bytes.length}`);
    vlan = v.getUint16(14) & 0x0fff;
    typeAt = 16;
  }
  const etherType = v.getUint16(typeAt);
  if (etherType !== EtherType.Arp)
    return fail('not-arp', `EtherType 0x${etherType.toString(16).padStart(4, '0')} is not ARP`);
  const arp = decodeArpPacket(bytes, typeAt + 2);
  if (!arp.ok) return arp;
  return {
    ok: true,
    value: {
      destinationMac: formatMac(bytes, 0),
      sourceMac: formatMac(bytes, 6),
      ...(vlan !== undefined ? { vlan } : {}),
      ...arp.value,
    },
    bytesRead: typeAt + 2 + arp.bytesRead,
  };
}

export class ArpEncodeError extends Error {
  override readonly name = 'ArpEncodeError';
}

function putMac(out: Uint8Array, at: number, mac: string, field: string): void {
  const b = parseMac(mac);
  if (!b) throw new ArpEncodeError(`${field}: not a MAC address: ${JSON.stringify(mac)}`);
  out.set(b, at);
}

function putIpv4(out: Uint8Array, at: number, ip: string, field: string): void {
  const b = parseIpv4(ip);
  if (!b) throw new ArpEncodeError(`${field}: not an IPv4 address: ${JSON.stringify(ip)}`);
  out.set(b, at);
}

export function encodingLength(frame: ArpFrame, options: { pad?: boolean } = {}): number {
  const length = ethernetHeaderLength + (frame.vlan !== undefined ? 4 : 0) + arpPayloadLength;
  return options.pad ? Math.max(length, minimumFrameLength) : length;
}

/** Encodes a frame; `pad` fills it to the 60-byte Ethernet minimum, as a NIC would on the wire. */
export function encodeArpFrame(frame: ArpFrame, options: { pad?: boolean } = {}): Uint8Array {
  if (!Number.isInteger(frame.operation) || frame.operation < 0 || frame.operation > 0xffff) {
    throw new ArpEncodeError(`operation: ${frame.operation} is not a 16-bit value`);
  }
  const out = new Uint8Array(encodingLength(frame, options));
  const v = view(out);
  putMac(out, 0, frame.destinationMac, 'destinationMac');
  putMac(out, 6, frame.sourceMac, 'sourceMac');
  let at = 12;
  if (frame.vlan !== undefined) {
    if (!Number.isInteger(frame.vlan) || frame.vlan < 0 || frame.vlan > 0xfff)
      throw new ArpEncodeError(`vlan: ${frame.vlan} is not a 12-bit id`);
    v.setUint16(12, EtherType.Vlan);
    v.setUint16(14, frame.vlan);
    at = 16;
  }
  v.setUint16(at, EtherType.Arp);
  at += 2;
  v.setUint16(at, 1);
  v.setUint16(at + 2, EtherType.Ipv4);
  out[at + 4] = 6;
  out[at + 5] = 4;
  v.setUint16(at + 6, frame.operation);
  putMac(out, at + 8, frame.senderMac, 'senderMac');
  putIpv4(out, at + 14, frame.senderIp, 'senderIp');
  putMac(out, at + 18, frame.targetMac, 'targetMac');
  putIpv4(out, at + 24, frame.targetIp, 'targetIp');
  return out;
}

/** A broadcast who-has, as arping sends it: "who has targetIp? tell senderIp". */
export function whoHas(p: {
  senderMac: string;
  senderIp: string;
  targetIp: string;
  destinationMac?: string;
}): ArpFrame {
  return {
    destinationMac: p.destinationMac ?? 'ff:ff:ff:ff:ff:ff',
    sourceMac: p.senderMac,
    operation: ArpOperation.Request,
    senderMac: p.senderMac,
    senderIp: p.senderIp,
    targetMac: '00:00:00:00:00:00',
    targetIp: p.targetIp,
  };
}

/**
 * An RFC 5227 probe for duplicate address detection: sender IP 0.0.0.0 so that no neighbour
 * caches a mapping for an address that may turn out to be taken.
 */
export function dadProbe(p: { senderMac: string; targetIp: string }): ArpFrame {
  return { ...whoHas({ senderMac: p.senderMac, senderIp: '0.0.0.0', targetIp: p.targetIp }) };
}
