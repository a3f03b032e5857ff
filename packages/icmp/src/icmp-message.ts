import type { IcmpExtensions } from './icmp-extension.js';

/** Echo request or reply: the identifier and sequence are what replies are matched by. */
export interface IcmpEcho {
  readonly kind: 'echo-request' | 'echo-reply';
  readonly code: number;
  readonly identifier: number;
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/** Destination unreachable: the code says why (ICMPv4: 0 net, 1 host, 3 port, 13 prohibited ...). */
export interface IcmpDestinationUnreachable {
  readonly kind: 'destination-unreachable';
  readonly code: number;
  /** ICMPv4 code 4 (fragmentation needed) carries the next-hop MTU (RFC 1191); else 0. */
  readonly nextHopMtu: number;
  /** The start of the datagram that could not be delivered, as the router quoted it. */
  readonly original: Uint8Array;
  readonly extensions: IcmpExtensions | null;
}

/** Time exceeded: code 0 is a TTL/hop limit that ran out in transit (what traceroute elicits). */
export interface IcmpTimeExceeded {
  readonly kind: 'time-exceeded';
  readonly code: number;
  readonly original: Uint8Array;
  readonly extensions: IcmpExtensions | null;
}

export interface IcmpParameterProblem {
  readonly kind: 'parameter-problem';
  readonly code: number;
  /** Offset of the offending byte in the original datagram. */
  readonly pointer: number;
  readonly original: Uint8Array;
  /** ICMPv4 only; RFC 4884 gives ICMPv6 parameter problems no length field. */
  readonly extensions: IcmpExtensions | null;
}

/** ICMPv6 packet too big (RFC 4443 §3.2). */
export interface IcmpPacketTooBig {
  readonly kind: 'packet-too-big';
  readonly code: number;
  readonly mtu: number;
  readonly original: Uint8Array;
}

/** Any other type, kept whole so that nothing a router sends is lost. */
export interface IcmpOther {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  /** Everything after the 4-byte type/code/checksum header. */
  readonly body: Uint8Array;
}

export type IcmpError =
  | IcmpDestinationUnreachable
  | IcmpTimeExceeded
  | IcmpParameterProblem
  | IcmpPacketTooBig;
export type IcmpMessage = IcmpEcho | IcmpError | IcmpOther;

export function isIcmpError(m: IcmpMessage): m is IcmpError {
  return (
    m.kind === 'destination-unreachable' ||
    m.kind === 'time-exceeded' ||
    m.kind === 'parameter-problem' ||
    m.kind === 'packet-too-big'
  );
}
