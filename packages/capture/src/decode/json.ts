import { typeName } from '@netdiag/dns-client';
import type { CapturedPacket } from '../pcap/packet.js';
import { HEX2 } from './bytes.js';
import type { DecodedPacket, Layer } from './layers.js';

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX2[b[i]!];
  return s;
}

/** Byte arrays inside decoded values (DNS RDATA, options) as hex strings. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** One layer as netdiag.capture/1 writes it (docs/json.md): flat, numbers as numbers, bytes as hex. */
export function layerJson(l: Layer): Record<string, unknown> {
  switch (l.protocol) {
    case 'ethernet':
      return {
        protocol: 'ethernet',
        source: l.source,
        destination: l.destination,
        etherType: l.etherType,
        vlans: l.vlans.map((v) => ({ id: v.id, priority: v.priority, dei: v.dei, tpid: v.tpid })),
      };
    case 'sll':
    case 'sll2':
      return {
        protocol: l.protocol,
        packetType: l.packetType,
        hardwareType: l.hardwareType,
        address: hex(l.address),
        etherType: l.etherType,
        ...(l.interfaceIndex !== undefined ? { interfaceIndex: l.interfaceIndex } : {}),
      };
    case 'arp':
      return {
        protocol: 'arp',
        operation: l.operation,
        hardwareType: l.hardwareType,
        protocolType: l.protocolType,
        senderHardware: l.senderHardware,
        senderProtocol: l.senderProtocol,
        targetHardware: l.targetHardware,
        targetProtocol: l.targetProtocol,
      };
    case 'ipv4': {
      const h = l.header;
      return {
        protocol: 'ipv4',
        source: h.source,
        destination: h.destination,
        tos: h.tos,
        ttl: h.ttl,
        id: h.identification,
        dontFragment: h.dontFragment,
        moreFragments: h.moreFragments,
        fragmentOffset: h.fragmentOffset,
        nextProtocol: h.protocol,
        totalLength: h.totalLength,
        headerLength: h.headerLength,
        checksum: h.checksum,
        options: l.options.map((o) => ({ type: o.type, data: hex(o.data) })),
      };
    }
    case 'ipv6': {
      const h = l.header;
      return {
        protocol: 'ipv6',
        source: h.source,
        destination: h.destination,
        trafficClass: h.trafficClass,
        flowLabel: h.flowLabel,
        hopLimit: h.hopLimit,
        payloadLength: h.payloadLength,
        nextProtocol: l.nextHeader,
        extensions: l.extensions.map((x) => ({
          type: x.type,
          length: x.length,
          ...(x.fragment ? { fragment: x.fragment } : {}),
        })),
      };
    }
    case 'icmp':
    case 'icmpv6':
      return {
        protocol: l.protocol,
        type: l.type,
        code: l.code,
        checksum: l.checksum,
        length: l.length,
        ...(l.identifier !== undefined ? { identifier: l.identifier, sequence: l.sequence } : {}),
        ...(l.target !== undefined ? { target: l.target } : {}),
        ...(l.quoted ? { quoted: l.quoted.map(layerJson) } : {}),
      };
    case 'udp':
      return {
        protocol: 'udp',
        sourcePort: l.sourcePort,
        destinationPort: l.destinationPort,
        length: l.length,
        checksum: l.checksum,
      };
    case 'tcp':
      return {
        protocol: 'tcp',
        sourcePort: l.sourcePort,
        destinationPort: l.destinationPort,
        seq: l.sequence,
        ack: l.acknowledgment,
        flags: tcpFlagNames(l.flags),
        window: l.window,
        checksum: l.checksum,
        urgent: l.urgent,
        options: l.options.map((o) => plain(o)),
        payloadLength: l.payloadLength,
      };
    case 'dns': {
      const m = l.message;
      return {
        protocol: 'dns',
        transport: l.transport,
        ...(m
          ? {
              id: m.id,
              opcode: m.opcode,
              flags: m.flags,
              rcode: m.rcode,
              questions: m.questions.map((q) => ({ name: q.name, type: typeName(q.type), class: q.class })),
              answers: plain(m.answers),
              authorities: plain(m.authorities),
              additionals: plain(m.additionals),
              ...(m.edns ? { edns: plain(m.edns) } : {}),
            }
          : {}),
        ...(l.error !== undefined ? { error: l.error } : {}),
      };
    }
  }
}

const FLAG_NAMES: readonly [number, string][] = [
  [0x01, 'FIN'],
  [0x02, 'SYN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
  [0x100, 'AE'],
];

function tcpFlagNames(f: number): string[] {
  return FLAG_NAMES.filter(([bit]) => f & bit).map(([, name]) => name);
}

/**
 * The `packet` event of netdiag.capture/1 (docs/json.md): when, how long, and the decoded layers.
 * `time` is Unix seconds with nine fraction digits, as a string: a double cannot hold nanoseconds.
 */
export function packetJson(
  packet: CapturedPacket,
  decoded: DecodedPacket,
  number?: number,
): Record<string, unknown> {
  return {
    schema: 'netdiag.capture/1',
    type: 'packet',
    ...(number !== undefined ? { number } : {}),
    time: `${packet.seconds}.${String(packet.nanos).padStart(9, '0')}`,
    length: packet.originalLength,
    caplen: packet.data.length,
    linkType: packet.linkType,
    ...(packet.interfaceId !== undefined ? { interfaceId: packet.interfaceId } : {}),
    layers: decoded.layers.map(layerJson),
    ...(decoded.truncated !== undefined ? { truncated: decoded.truncated } : {}),
  };
}
