// Codecs: pure functions over bytes, each `{ decode, encode, encodingLength }`.

export { randomBytes, randomInt } from '@netdiag/address';
export { addressBytes, addressFamily, formatIpv4, formatIpv6 } from './address.js';
export { internetChecksum, onesComplementSum, pseudoHeaderSum } from './checksum.js';
export type { Decoded, DecodeFailure } from './decode-error.js';
export { DecodeError } from './decode-error.js';
export { EventChannel } from './event-channel.js';
export { describeIcmpError } from './icmp-describe.js';
export type { IcmpExtensionObject, IcmpExtensions, MplsLabel } from './icmp-extension.js';
export { decodeExtensions, encodeExtensions, mplsLabels, mplsObject } from './icmp-extension.js';
export type {
  IcmpDestinationUnreachable,
  IcmpEcho,
  IcmpError,
  IcmpMessage,
  IcmpOther,
  IcmpPacketTooBig,
  IcmpParameterProblem,
  IcmpTimeExceeded,
} from './icmp-message.js';
export { isIcmpError } from './icmp-message.js';
export { ICMPV4_TYPES, ICMPV4_UNREACHABLE, icmpv4 } from './icmpv4.js';
export { ICMPV6_TYPES, ICMPV6_UNREACHABLE, IPPROTO_ICMPV6, icmpv6 } from './icmpv6.js';
export type { Ipv4Header } from './ipv4.js';
export { IPV4_MIN_HEADER, ipv4 } from './ipv4.js';
export type { Ipv6Header } from './ipv6.js';
export { IPV6_HEADER, ipv6 } from './ipv6.js';
export type { PingErrorCode } from './ping-errors.js';
export { PingError } from './ping-errors.js';
export type {
  PingCorrupt,
  PingIcmpError,
  PingProbeEvent,
  PingReply,
  PingSendError,
  PingSent,
  PingSummary,
  PingTarget,
  PingTimeout,
} from './ping-events.js';
export type { PingEvent, PingOptions, PingRun } from './pinger.js';
// The pinger and its pure parts.
export { ping } from './pinger.js';
export type { ErrorVerdict, ReplyVerdict } from './probe-tracker.js';
export { ProbeTracker } from './probe-tracker.js';
export { QuantileSketch } from './quantile-sketch.js';
export type { QuotedProbe, QuotedTransport } from './quoted-probe.js';
export { decodeQuotedProbe, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from './quoted-probe.js';
export type { Lookup } from './resolve-target.js';
export { resolveHost, routeSource, systemLookup } from './resolve-target.js';
export type { RttSummary } from './rtt-stats.js';
export { percentile, RTT_QUANTILE_ACCURACY, RttStats } from './rtt-stats.js';
