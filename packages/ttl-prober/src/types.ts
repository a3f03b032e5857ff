import type { MplsLabel } from '@netdiag/icmp';

/** How probes are sent: ICMP echo (default), UDP datagrams, or TCP SYNs. */
export type TraceMethod = 'icmp' | 'udp' | 'tcp';

/**
 * The flow every probe of a trace belongs to. Its fields are what ECMP load balancers hash on
 * (ICMP type/code/checksum; UDP and TCP ports), and they stay constant for the whole trace, as in
 * Paris traceroute, so a trace never mixes two paths into one and invents links.
 */
export interface Flow {
  readonly method: TraceMethod;
  readonly family: 4 | 6;
  readonly source: string;
  readonly destination: string;
  /** ICMP echo identifier (ICMP method). */
  readonly identifier: number;
  /** The checksum every ICMP probe carries (ICMP method). */
  readonly icmpChecksum: number;
  /** UDP/TCP source port. */
  readonly sourcePort: number;
  /** UDP/TCP destination port. */
  readonly destinationPort: number;
}

/** A probe's number within a trace: 1 to 65535, carried in the ICMP sequence, UDP checksum or TCP sequence. */
export type ProbeId = number & { readonly __probeId: unique symbol };

/** What a response said about the probe it answers. */
export type ResponseKind =
  /** A router on the path: its TTL / hop limit ran out. */
  | 'time-exceeded'
  /** The destination itself answered: echo reply, UDP port unreachable, TCP SYN-ACK or RST. */
  | 'reached'
  /** Someone said the destination cannot be reached (traceroute's !H !N !X ...). */
  | 'unreachable';

/** A response matched to the probe it answers. */
export interface ProbeResponse {
  readonly probeId: ProbeId;
  readonly kind: ResponseKind;
  readonly responder: string;
  /** ICMP type/code of the response (0/0 for TCP). */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** traceroute's mark for an unreachable (`!H`, `!N`, `!P`, `!X` ...), '' otherwise. */
  readonly mark: string;
  /** MPLS label stack the responder reported (RFC 4950). */
  readonly mpls: readonly MplsLabel[];
  /** TTL of the response as it arrived, where known (a hint of the responder's distance). */
  readonly responseTtl: number | null;
  readonly receivedAt: bigint;
  /**
   * Set on "fragmentation needed" (ICMPv4 3/4) and "packet too big" (ICMPv6 2): the next-hop MTU
   * the router reported, 0 where it gave none. Such a response is otherwise an unreachable `!F`.
   */
  readonly nextHopMtu?: number;
}
