import {
  addressBytes,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  icmpv4,
  icmpv6,
  onesComplementSum,
  pseudoHeaderSum,
} from '@netdiag/icmp';
import type { Flow, ProbeId } from './types.js';

/** Bytes of payload every probe carries; the first two are the checksum-balancing word. */
export const PROBE_PAYLOAD = 32;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const ICMP_HEADER = 8;

const onesAdd = (a: number, b: number) => {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
};

/**
 * Writes a 16-bit word at `adjustAt` so that the checksum at `checksumAt` comes out as `target`,
 * then writes that checksum. This is how a probe carries its id in the UDP checksum, and how ICMP
 * probes with different sequence numbers keep one checksum (Paris traceroute): in one's-complement
 * arithmetic the word that balances the sum is ~target − sum.
 */
export function forceChecksum(
  bytes: Uint8Array,
  checksumAt: number,
  adjustAt: number,
  target: number,
  pseudoSum = 0,
): void {
  bytes[checksumAt] = bytes[checksumAt + 1] = 0;
  bytes[adjustAt] = bytes[adjustAt + 1] = 0;
  const sum = onesComplementSum(bytes, pseudoSum);
  const word = onesAdd(~target & 0xffff, ~sum & 0xffff) & 0xffff;
  bytes[adjustAt] = word >> 8;
  bytes[adjustAt + 1] = word & 0xff;
  bytes[checksumAt] = target >> 8;
  bytes[checksumAt + 1] = target & 0xff;
}

// A flow's addresses as bytes, parsed once per flow rather than once per probe.
const flowAddresses = new WeakMap<Flow, { readonly source: Uint8Array; readonly destination: Uint8Array }>();

/**
 * The pseudo-header sum of the flow's packets of `length` bytes: its probes, and the replies to
 * them (source and destination swapped, the same one's-complement sum).
 */
export function flowPseudoHeaderSum(flow: Flow, protocol: number, length: number): number {
  let a = flowAddresses.get(flow);
  if (!a) {
    a = { source: addressBytes(flow.source), destination: addressBytes(flow.destination) };
    flowAddresses.set(flow, a);
  }
  return pseudoHeaderSum(a.source, a.destination, protocol, length);
}

/**
 * The payload of UDP probe `id` for a datagram socket, whose kernel writes the UDP header: the
 * probe id in its first word. The socket the probe leaves from already names it (see tracer.ts);
 * where a router quotes past the UDP header, as RFC 1812 asks and Linux does, the quote names it
 * too, so an error for an earlier probe whose port a later socket reused is told apart.
 */
export function buildDatagramPayload(id: ProbeId, payloadBytes = PROBE_PAYLOAD): Uint8Array {
  const payload = new Uint8Array(Math.max(PROBE_PAYLOAD, payloadBytes));
  payload[0] = id >> 8;
  payload[1] = id & 0xff;
  return payload;
}

/** Transport header bytes of a flow's probes: what sits between the IP header and the payload. */
export function transportHeaderBytes(method: Flow['method']): number {
  return method === 'tcp' ? TCP_HEADER : method === 'udp' ? UDP_HEADER : ICMP_HEADER;
}

/**
 * The payload bytes of a probe `size` bytes long, IP header included (path MTU discovery), never
 * fewer than PROBE_PAYLOAD; the padding is zeros, which leave every checksum trick unchanged.
 */
export function payloadBytesFor(flow: Pick<Flow, 'method' | 'family'>, size: number): number {
  const ipHeader = flow.family === 4 ? 20 : 40;
  return Math.max(PROBE_PAYLOAD, size - ipHeader - transportHeaderBytes(flow.method));
}

/**
 * The bytes of probe `id` of a flow, ready for a raw socket of the flow's method and family.
 * `payloadBytes` (at least PROBE_PAYLOAD) pads the probe for path MTU discovery.
 */
export function buildProbe(flow: Flow, id: ProbeId, payloadBytes = PROBE_PAYLOAD): Uint8Array {
  const padded = Math.max(PROBE_PAYLOAD, payloadBytes);
  switch (flow.method) {
    case 'icmp': {
      const payload = new Uint8Array(padded);
      const message = {
        kind: 'echo-request',
        code: 0,
        identifier: flow.identifier,
        sequence: id,
        payload,
      } as const;
      const bytes = flow.family === 4 ? icmpv4.encode(message) : icmpv6.encode(message);
      const pseudoSum = flow.family === 6 ? flowPseudoHeaderSum(flow, IPPROTO_ICMPV6, bytes.length) : 0;
      forceChecksum(bytes, 2, ICMP_HEADER, flow.icmpChecksum, pseudoSum);
      return bytes;
    }
    case 'udp': {
      const bytes = new Uint8Array(UDP_HEADER + padded);
      const view = new DataView(bytes.buffer);
      view.setUint16(0, flow.sourcePort);
      view.setUint16(2, flow.destinationPort);
      view.setUint16(4, bytes.length);
      forceChecksum(bytes, 6, UDP_HEADER, id, flowPseudoHeaderSum(flow, IPPROTO_UDP, bytes.length));
      return bytes;
    }
    case 'tcp': {
      const bytes = new Uint8Array(TCP_HEADER);
      const view = new DataView(bytes.buffer);
      view.setUint16(0, flow.sourcePort);
      view.setUint16(2, flow.destinationPort);
      // The probe id rides in the low half of the sequence number: routers quote it back, and a
      // SYN-ACK or RST from the destination acknowledges it plus one.
      view.setUint32(4, id);
      bytes[12] = (TCP_HEADER / 4) << 4;
      bytes[13] = 0x02; // SYN
      view.setUint16(14, 64_240);
      const sum = onesComplementSum(bytes, flowPseudoHeaderSum(flow, IPPROTO_TCP, bytes.length));
      view.setUint16(16, ~sum & 0xffff);
      return bytes;
    }
  }
}
