import type { RttSummary } from './rtt-stats.js';

/** One target of a ping run, as resolved. */
export interface PingTarget {
  /** Index in the run's target list: events name their target by it. */
  readonly index: number;
  /** What the caller asked for (name or address). */
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
  /** The ICMP identifier this target's requests carry. */
  readonly identifier: number;
}

interface EventBase {
  readonly target: number;
  /** ICMP sequence as iputils numbers it: 1, 2, 3 ... (the wire value is this modulo 65536). */
  readonly seq: number;
  /** Wall-clock time of the event, milliseconds since the epoch. */
  readonly time: number;
}

export interface PingSent extends EventBase {
  readonly type: 'sent';
}

export interface PingReply extends EventBase {
  readonly type: 'reply';
  readonly from: string;
  /** Round-trip time in milliseconds. */
  readonly rtt: number;
  /** Reply TTL (IPv4) or hop limit (IPv6); null where the socket cannot report it. */
  readonly ttl: number | null;
  /** ICMP bytes of the reply (header + payload), as ping's "64 bytes from". */
  readonly bytes: number;
  /** A second reply to the same request (ping's DUP!): not counted as received. */
  readonly duplicate: boolean;
  /** A reply that came after the request had timed out: reported, not counted as received. */
  readonly late: boolean;
  readonly kernelTimestamp: boolean;
}

export interface PingTimeout extends EventBase {
  readonly type: 'timeout';
}

/** An ICMP error quoting one of our requests: a router said the target cannot be reached. */
export interface PingIcmpError extends EventBase {
  readonly type: 'icmp-error';
  readonly from: string;
  readonly kind: 'destination-unreachable' | 'time-exceeded' | 'parameter-problem' | 'packet-too-big';
  readonly code: number;
  /** As ping words it: "Destination Host Unreachable", "Time to live exceeded", ... */
  readonly description: string;
}

/** The request could not be sent (ENETUNREACH, EHOSTUNREACH, EMSGSIZE ...). */
export interface PingSendError extends EventBase {
  readonly type: 'send-error';
  readonly code: string;
  readonly message: string;
}

/**
 * A packet that claims to answer one of our requests but does not check out: never counted as a
 * reply, a duplicate or an error, and it settles nothing (the request stays in flight, so a good
 * reply after it still counts). `seq` is the sequence it claims. iputils ping counts a wrong
 * payload as a reply ("wrong data byte #N ...") and a quote of any request as an error.
 */
export type PingCorrupt = EventBase & {
  readonly type: 'corrupt';
  readonly from: string;
  /** ICMP bytes of the packet, as ping's "64 bytes from". */
  readonly bytes: number;
} & (
    | {
        /** The ICMP checksum does not verify (an echo reply, or an ICMP error about a request). */
        readonly reason: 'checksum';
        readonly message: 'echo-reply' | 'icmp-error';
      }
    | {
        /** An echo reply whose payload is not what was sent: the first byte that differs. */
        readonly reason: 'payload';
        readonly message: 'echo-reply';
        /** Offset in the ICMP payload; the payload's length where only the lengths differ. */
        readonly offset: number;
        /** The byte sent there, or null past the end of what was sent. */
        readonly expected: number | null;
        /** The byte received there, or null past the end of what came back. */
        readonly actual: number | null;
      }
    | {
        /** An ICMP error quoting a request that was never sent, or not as it was sent. */
        readonly reason: 'quote';
        readonly message: 'icmp-error';
      }
  );

export type PingProbeEvent = PingSent | PingReply | PingTimeout | PingIcmpError | PingSendError | PingCorrupt;

/** Statistics of one target at the end of a run (iputils' summary, plus percentiles and jitter). */
export interface PingSummary {
  readonly target: number;
  readonly host: string;
  readonly address: string;
  readonly transmitted: number;
  readonly received: number;
  readonly duplicates: number;
  readonly late: number;
  readonly errors: number;
  /** Packets that claimed to answer a request but did not check out (iputils' "+N corrupted"). */
  readonly corrupt: number;
  /** (transmitted − received) / transmitted × 100, as iputils computes it; 0 when none sent. */
  readonly lossPercent: number;
  /** Milliseconds from the first request to the end of the run, as iputils' "time". */
  readonly timeMs: number;
  readonly rtt: RttSummary | null;
}
