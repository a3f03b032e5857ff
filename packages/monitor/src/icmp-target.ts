import { SMOKEPING_BUCKETS } from './buckets.js';
import { Histogram } from './histogram.js';

/** One ICMP echo target as the config (or the command line) gives it, after name resolution. */
export interface IcmpTargetSpec {
  /** The name or address as configured: the `host` label. */
  readonly host: string;
  /** The address probed: the `ip` label. */
  readonly address: string;
  readonly family: 4 | 6;
  /** Milliseconds over which `count` requests are spread. */
  readonly intervalMs: number;
  /** Requests per interval. */
  readonly count: number;
  /** Milliseconds a reply may take; later ones count as late, not as responses. */
  readonly timeoutMs: number;
  /** ICMP payload bytes (16 or more: the agent's cookie and the target's slot travel in it). */
  readonly size: number;
  readonly ttl?: number;
}

/** What identifies a target across reloads: a target whose spec is unchanged keeps its counters. */
export function targetKey(spec: IcmpTargetSpec): string {
  return [
    spec.host,
    spec.address,
    spec.family,
    spec.intervalMs,
    spec.count,
    spec.timeoutMs,
    spec.size,
    spec.ttl ?? '',
  ].join('|');
}

/**
 * Requests remembered per target: a reply is matched while its request is among the last RING
 * sent (at 1/s, the last 64 s, far past any timeout). Memory per target is fixed.
 */
export const RING = 64;

export enum ProbeState {
  Empty = 0,
  InFlight = 1,
  Answered = 2,
  TimedOut = 3,
  AnsweredLate = 4,
  Failed = 5,
}

/** What a received echo reply was to its target. */
export type ReplyVerdict = 'response' | 'late' | 'duplicate' | 'unmatched';

/** Counters, the RTT histogram and the in-flight ring of one target. */
export class IcmpTarget {
  readonly key: string;
  /** Set when a reload removed it: its scheduled events are dropped when they come up. */
  removed = false;
  /** Full sequence numbers sent so far (1, 2, ...; the wire carries the low 16 bits). */
  sent = 0;
  responses = 0;
  late = 0;
  duplicates = 0;
  timeouts = 0;
  sendErrors = 0;
  icmpErrors = 0;
  /** TTL (hop limit) of the last reply, -1 before the first. */
  lastTtl = -1;
  /** RTT of the last response in seconds, NaN before the first. */
  lastRtt = Number.NaN;
  readonly rtt = new Histogram(SMOKEPING_BUCKETS);
  /** Next send (engine clock, ns) and the schedule it belongs to. */
  nextDue = 0;
  readonly periodNs: number;
  readonly timeoutNs: number;
  private readonly seqs = new Float64Array(RING);
  private readonly sentAt = new Float64Array(RING);
  /** Receive time of a reply that beat its send's completion (restamp computes the RTT then). */
  private readonly earlyReply = new Float64Array(RING);
  private readonly states = new Uint8Array(RING);
  private readonly restamped = new Uint8Array(RING);

  constructor(
    readonly spec: IcmpTargetSpec,
    /** The target's number in the payload, to find it from a reply in O(1). */
    readonly slot: number,
    private readonly onRtt: (target: IcmpTarget, seconds: number) => void = () => {},
  ) {
    this.key = targetKey(spec);
    this.periodNs = (spec.intervalMs * 1e6) / spec.count;
    this.timeoutNs = spec.timeoutMs * 1e6;
  }

  /** Records a request about to be sent at `now`; returns its full sequence number. */
  send(now: number): number {
    const seq = ++this.sent;
    const i = seq % RING;
    // A request the ring is about to forget while still unanswered is lost: count it now.
    if (this.states[i] === ProbeState.InFlight) this.timeouts++;
    this.seqs[i] = seq;
    this.sentAt[i] = now;
    this.states[i] = ProbeState.InFlight;
    this.restamped[i] = 0;
    this.earlyReply[i] = Number.NaN;
    return seq;
  }

  /** The time taken just before the send system call replaces the queueing time. */
  restamp(seq: number, sentAt: number): void {
    const i = seq % RING;
    if (this.seqs[i] !== seq) return;
    this.sentAt[i] = sentAt;
    this.restamped[i] = 1;
    const early = this.earlyReply[i]!;
    if (!Number.isNaN(early)) {
      this.earlyReply[i] = Number.NaN;
      this.answer(i, early);
    }
  }

  /** The send failed: the request never left, so it is neither a response nor a loss. */
  sendFailed(seq: number): void {
    const i = seq % RING;
    if (this.seqs[i] !== seq) return;
    this.states[i] = ProbeState.Failed;
    this.sendErrors++;
  }

  /** The full sequence number a 16-bit wire value stands for: the latest sent with those bits. */
  fullSequence(wire: number): number {
    return this.sent - ((this.sent - wire) & 0xffff);
  }

  /** An echo reply with this wire sequence arrived at `receivedAt` (kernel time, ns). */
  reply(wire: number, receivedAt: number, ttl: number | undefined): ReplyVerdict {
    const seq = this.fullSequence(wire);
    const i = seq % RING;
    if (seq < 1 || this.seqs[i] !== seq) return 'unmatched';
    const state = this.states[i]!;
    if (state === ProbeState.InFlight) {
      if (ttl !== undefined) this.lastTtl = ttl;
      if (!this.restamped[i]) {
        // On loopback a reply can arrive before the send's promise settles: judge it then.
        if (Number.isNaN(this.earlyReply[i]!)) {
          this.earlyReply[i] = receivedAt;
          return receivedAt - this.sentAt[i]! <= this.timeoutNs ? 'response' : 'late';
        }
        this.duplicates++;
        return 'duplicate';
      }
      return this.answer(i, receivedAt);
    }
    if (state === ProbeState.TimedOut) {
      this.states[i] = ProbeState.AnsweredLate;
      this.late++;
      return 'late';
    }
    if (state === ProbeState.Answered || state === ProbeState.AnsweredLate) {
      this.duplicates++;
      return 'duplicate';
    }
    return 'unmatched';
  }

  private answer(i: number, receivedAt: number): ReplyVerdict {
    const rttNs = Math.max(0, receivedAt - this.sentAt[i]!);
    if (rttNs > this.timeoutNs) {
      // Came after its timeout by the kernel's clock, though read before the timer ran.
      this.states[i] = ProbeState.AnsweredLate;
      this.late++;
      return 'late';
    }
    this.states[i] = ProbeState.Answered;
    this.responses++;
    const seconds = rttNs / 1e9;
    this.lastRtt = seconds;
    this.rtt.observe(seconds);
    this.onRtt(this, seconds);
    return 'response';
  }

  /** The request's timeout came: unanswered, it is lost (a reply after this is late). */
  expire(seq: number): boolean {
    const i = seq % RING;
    if (this.seqs[i] !== seq || this.states[i] !== ProbeState.InFlight) return false;
    if (!this.restamped[i] && !Number.isNaN(this.earlyReply[i]!)) return false;
    this.states[i] = ProbeState.TimedOut;
    this.timeouts++;
    return true;
  }

  /** An ICMP error (unreachable, time exceeded) answered this request: it is lost, with a reason. */
  icmpError(wire: number): boolean {
    const seq = this.fullSequence(wire);
    const i = seq % RING;
    if (seq < 1 || this.seqs[i] !== seq || this.states[i] !== ProbeState.InFlight) return false;
    this.states[i] = ProbeState.Failed;
    this.icmpErrors++;
    return true;
  }

  /** Requests whose fate is still open. */
  get inFlight(): number {
    let n = 0;
    for (let i = 0; i < RING; i++) if (this.states[i] === ProbeState.InFlight) n++;
    return n;
  }
}
