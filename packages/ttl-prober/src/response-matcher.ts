import {
  DecodeError,
  decodeQuotedProbe,
  ICMPV4_UNREACHABLE,
  ICMPV6_UNREACHABLE,
  type IcmpMessage,
  IPPROTO_TCP,
  icmpv4,
  icmpv6,
  ipv4,
  isIcmpError,
  mplsLabels,
  onesComplementSum,
} from '@netdiag/icmp';
import { buildProbe, flowPseudoHeaderSum, PROBE_PAYLOAD } from './probe-builder.js';
import type { Flow, ProbeId, ProbeResponse } from './types.js';

const ICMP_HEADER = 8;

interface Arrival {
  /** IPv4: from the IP header on. IPv6: the transport payload. */
  readonly data: Uint8Array;
  readonly from: string;
  readonly receivedAt: bigint;
  readonly hopLimit?: number;
  /** False where IPv4 `data` starts at the transport header (datagram sockets). */
  readonly includesIpHeader?: boolean;
}

/**
 * What arrived on one of the trace's sockets: a socket every probe shares (the ICMP socket's
 * errors and echo replies, the TCP socket's segments), or the UDP datagram socket of one probe
 * (`probe`, without privilege): the kernel hands that socket the ICMP errors about its own
 * datagrams alone, so the socket names the probe, where the quote it gives cannot (the kernel
 * drops the quoted UDP header, whose checksum carries the probe id on raw sockets).
 */
export type ArrivedPacket =
  | (Arrival & { readonly socket: 'icmp' | 'tcp' })
  | (Arrival & {
      readonly socket: 'probe';
      /** The probe that socket sent. */
      readonly probeId: ProbeId;
      /** The socket's source port (`ProbeSocket.boundPort`). */
      readonly sourcePort: number;
    });

const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

/**
 * A packet that claims to answer this flow's probes but does not check out: an ICMPv4 or TCP
 * checksum that fails (`checksum`), an echo reply whose payload is not the probe's (`payload`), or a
 * quote of a datagram this flow did not send (`quote`: another
 * source address, or for ICMP probes another checksum than the one every probe of the flow
 * carries). Never attributed to a hop; the trace counts it.
 */
export interface CorruptResponse {
  readonly corrupt: 'checksum' | 'payload' | 'quote';
}

/**
 * Matches a packet to the probe it answers, by what it quotes of that probe (ICMP id and
 * sequence, UDP ports and checksum, TCP ports and sequence), never by arrival order. Anything
 * that does not belong to this flow, or does not parse, is `undefined`: raw sockets see every
 * ICMP packet the host receives, and many of them are someone else's. What claims to belong to
 * it but does not check out is a `CorruptResponse`.
 */
export function matchResponse(
  flow: Flow,
  packet: ArrivedPacket,
): ProbeResponse | CorruptResponse | undefined {
  try {
    return packet.socket === 'tcp' ? matchTcp(flow, packet) : matchIcmp(flow, packet);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

/**
 * `checksumOk` is false only where the ICMPv4 checksum was checked and failed: on raw IPv4
 * sockets, which see datagrams before the kernel's ICMP layer checks them. Datagram sockets get
 * only what the kernel checked (their errors rebuilt from the error queue, without a checksum),
 * and the kernel checks every ICMPv6 checksum, pseudo-header included, before any socket sees it.
 */
function decodeIcmp(
  flow: Flow,
  packet: ArrivedPacket,
): { message: IcmpMessage; responseTtl: number | null; checksumOk: boolean } {
  if (flow.family === 4 && packet.includesIpHeader !== false) {
    const ip = ipv4.decode(packet.data);
    const icmp = packet.data.subarray(ip.bytesRead, Math.min(packet.data.length, ip.value.totalLength));
    return {
      message: icmpv4.decode(icmp).value,
      responseTtl: ip.value.ttl,
      checksumOk: icmpv4.checksumOk(icmp),
    };
  }
  const message = flow.family === 4 ? icmpv4.decode(packet.data).value : icmpv6.decode(packet.data).value;
  return { message, responseTtl: packet.hopLimit ?? null, checksumOk: true };
}

/** The unspecified address: what a quote rebuilt from a datagram socket's error queue says as source. */
const unspecified = (a: string) => a === '0.0.0.0' || a === '::';

function matchIcmp(flow: Flow, packet: ArrivedPacket): ProbeResponse | CorruptResponse | undefined {
  const { message, responseTtl, checksumOk } = decodeIcmp(flow, packet);
  const base = { responder: packet.from, receivedAt: packet.receivedAt, responseTtl };

  if (message.kind === 'echo-reply') {
    if (flow.method !== 'icmp' || message.identifier !== flow.identifier || packet.from !== flow.destination)
      return undefined;
    if (!checksumOk) return { corrupt: 'checksum' };
    // An echo reply carries back the probe's payload: the flow's probes are rebuilt exactly (at
    // the reply's size: path MTU discovery pads probes with zeros).
    const size = Math.max(PROBE_PAYLOAD, message.payload.length);
    const sent = buildProbe(flow, message.sequence as ProbeId, size).subarray(ICMP_HEADER);
    if (sent.length !== message.payload.length || sent.some((b, i) => b !== message.payload[i]))
      return { corrupt: 'payload' };
    return {
      ...base,
      probeId: message.sequence as ProbeId,
      kind: 'reached',
      icmpType: flow.family === 4 ? 0 : 129,
      icmpCode: 0,
      mark: '',
      mpls: [],
    };
  }
  if (!isIcmpError(message)) return undefined;
  const quoted = decodeQuotedProbe(flow.family, message.original);
  if (quoted.destination !== flow.destination) return undefined;
  const t = quoted.transport;
  let probeId: number;
  if (packet.socket === 'probe') {
    // The socket names the probe; the quote must still be of that socket's datagram to the
    // traced port, and where it reaches into the payload, carry the same id.
    if (
      flow.method !== 'udp' ||
      t.protocol !== 'udp' ||
      t.sourcePort !== packet.sourcePort ||
      t.destinationPort !== flow.destinationPort
    )
      return undefined;
    const payloadId = quotedPayloadId(flow.family, message.original);
    if (payloadId !== undefined && payloadId !== packet.probeId) return undefined;
    probeId = packet.probeId;
  } else if (flow.method === 'icmp' && t.protocol === 'icmp' && t.identifier === flow.identifier)
    probeId = t.sequence;
  else if (
    flow.method === 'udp' &&
    t.protocol === 'udp' &&
    t.sourcePort === flow.sourcePort &&
    t.destinationPort === flow.destinationPort
  )
    probeId = t.checksum;
  else if (
    flow.method === 'tcp' &&
    t.protocol === 'tcp' &&
    t.sourcePort === flow.sourcePort &&
    t.destinationPort === flow.destinationPort
  )
    probeId = t.sequence & 0xffff;
  else return undefined;
  if (probeId === 0) return undefined;
  // It claims to be about one of our probes: from here on, what does not check out is corrupt.
  if (!checksumOk) return { corrupt: 'checksum' };
  if (!unspecified(quoted.source) && quoted.source !== flow.source) return { corrupt: 'quote' };
  if (
    flow.method === 'icmp' &&
    packet.socket !== 'probe' &&
    quotedIcmpChecksum(flow.family, message.original) !== flow.icmpChecksum
  )
    return { corrupt: 'quote' };

  const type = flow.family === 4 ? icmpv4TypeOf(message.kind) : icmpv6TypeOf(message.kind);
  const mpls = 'extensions' in message ? mplsLabels(message.extensions) : [];
  const common = { ...base, probeId: probeId as ProbeId, icmpType: type, icmpCode: message.code, mpls };
  if (message.kind === 'time-exceeded') return { ...common, kind: 'time-exceeded', mark: '' };
  if (message.kind === 'destination-unreachable') {
    const portUnreachable = flow.family === 4 ? message.code === 3 : message.code === 4;
    // A port unreachable from the destination is how a UDP trace knows it arrived.
    if (portUnreachable && packet.from === flow.destination) return { ...common, kind: 'reached', mark: '' };
    const table = flow.family === 4 ? ICMPV4_UNREACHABLE : ICMPV6_UNREACHABLE;
    const mark = table[message.code]?.mark || `!<${message.code}>`;
    // Fragmentation needed: the next-hop MTU (RFC 1191), for path MTU discovery.
    if (flow.family === 4 && message.code === 4)
      return { ...common, kind: 'unreachable', mark, nextHopMtu: message.nextHopMtu };
    return { ...common, kind: 'unreachable', mark };
  }
  if (message.kind === 'packet-too-big')
    return { ...common, kind: 'unreachable', mark: '!F', nextHopMtu: message.mtu };
  // Parameter problems are unreachables too, for the probe's purposes.
  return { ...common, kind: 'unreachable', mark: '!<P>' };
}

/** The checksum field of a quoted ICMP probe (every probe of a flow carries the same one). */
function quotedIcmpChecksum(family: 4 | 6, original: Uint8Array): number {
  const at = (family === 4 ? (original[0]! & 0x0f) * 4 : 40) + 2;
  return (original[at]! << 8) | original[at + 1]!;
}

/**
 * The probe id a datagram probe's payload begins with (`buildDatagramPayload`), where the quote
 * reaches that far; undefined where the router quoted only the 8 bytes RFC 792 requires.
 */
function quotedPayloadId(family: 4 | 6, original: Uint8Array): number | undefined {
  // The quote of a datagram socket's error is rebuilt by probe-socket: an IPv4 header of its
  // stated length or a bare IPv6 header, then the UDP header, then what was quoted of the payload.
  const ipHeader = family === 4 ? (original[0]! & 0x0f) * 4 : 40;
  const at = ipHeader + 8;
  if (original.length < at + 2) return undefined;
  return (original[at]! << 8) | original[at + 1]!;
}

function matchTcp(flow: Flow, packet: ArrivedPacket): ProbeResponse | CorruptResponse | undefined {
  if (flow.method !== 'tcp' || packet.from !== flow.destination) return undefined;
  let at = 0;
  let end = packet.data.length;
  let responseTtl: number | null = packet.hopLimit ?? null;
  if (flow.family === 4) {
    const ip = ipv4.decode(packet.data);
    at = ip.bytesRead;
    end = Math.min(end, ip.value.totalLength);
    responseTtl = ip.value.ttl;
  }
  const d = packet.data;
  if (d.length - at < 20) throw DecodeError.truncated('TCP header', 20, d.length - at);
  const u16 = (i: number) => (d[at + i]! << 8) | d[at + i + 1]!;
  const sourcePort = u16(0);
  const destinationPort = u16(2);
  const ack = ((u16(8) << 16) | u16(10)) >>> 0;
  const flags = d[at + 13]!;
  if (sourcePort !== flow.destinationPort || destinationPort !== flow.sourcePort) return undefined;
  const synAck = (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
  const rst = (flags & TCP_RST) !== 0;
  if (!synAck && !rst) return undefined;
  const probeId = (ack - 1) & 0xffff;
  if (probeId === 0) return undefined;
  // A raw socket gets TCP segments before the kernel's TCP checks them: one that claims to answer
  // a probe but fails its checksum (pseudo-header included) is damaged or forged, never arrival.
  // One exception: a segment from this host (a container or namespace over veth, or loopback)
  // carries the checksum its sender left to offload, the pseudo-header sum alone (Linux's
  // CHECKSUM_PARTIAL), which the kernel's TCP accepts and no socket can tell from a finished one.
  const segment = d.subarray(at, end);
  const pseudo = flowPseudoHeaderSum(flow, IPPROTO_TCP, segment.length);
  const field = u16(16);
  if (onesComplementSum(segment, pseudo) !== 0xffff && field !== pseudo) return { corrupt: 'checksum' };
  return {
    probeId: probeId as ProbeId,
    kind: 'reached',
    responder: packet.from,
    icmpType: 0,
    icmpCode: 0,
    mark: '',
    mpls: [],
    responseTtl,
    receivedAt: packet.receivedAt,
  };
}

function icmpv4TypeOf(kind: string): number {
  return kind === 'destination-unreachable' ? 3 : kind === 'time-exceeded' ? 11 : 12;
}
function icmpv6TypeOf(kind: string): number {
  return kind === 'destination-unreachable'
    ? 1
    : kind === 'packet-too-big'
      ? 2
      : kind === 'time-exceeded'
        ? 3
        : 4;
}
