import { SMOKEPING_BUCKETS } from './buckets.js';
import { Histogram } from './histogram.js';
import { ProbeRings, RING } from './probe-rings.js';

export { RING };

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
  /** TOS byte (IPv4) or traffic class (IPv6) of the requests. */
  readonly tos?: number;
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
    spec.tos ?? '',
  ].join('|');
}

export enum ProbeState {
  Empty = 0,
  InFlight = 1,
  Answered = 2,
  TimedOut = 3,
  AnsweredLate = 4,
  Failed = 5,
}

const NO_RTT = (): void => {};

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
  readonly rtt: Histogram;
  /** Next send (engine clock, ns) and the schedule it belongs to. */
  nextDue = 0;
  readonly periodNs: number;
  readonly timeoutNs: number;
  /** TTL and TOS for the socket, made once (undefined: the socket's defaults). */
  readonly sendOptions: { readonly ttl?: number; readonly tos?: number } | undefined;
  private readonly rings: ProbeRings;
  /** Where this target's entries start in `rings`. */
  private readonly base: number;

  constructor(
    readonly spec: IcmpTargetSpec,
    /** The target's number in the payload, to find it from a reply in O(1). */
    readonly slot: number,
    private readonly onRtt: (target: IcmpTarget, seconds: number) => void = NO_RTT,
    /** The rings of all the engine's targets, `slot` claimed (by default, a ring of its own). */
    rings?: ProbeRings,
  ) {
    this.key = targetKey(spec);
    if (rings) {
      this.rings = rings;
      this.base = slot * RING;
      this.rtt = new Histogram(SMOKEPING_BUCKETS, rings.slotRow(slot, SMOKEPING_BUCKETS.length));
    } else {
      this.rings = new ProbeRings(1);
      this.rings.claim(0);
      this.base = 0;
      this.rtt = new Histogram(SMOKEPING_BUCKETS);
    }
    this.periodNs = (spec.intervalMs * 1e6) / spec.count;
    this.timeoutNs = spec.timeoutMs * 1e6;
    this.sendOptions =
      spec.ttl !== undefined || spec.tos !== undefined
        ? {
            ...(spec.ttl !== undefined && { ttl: spec.ttl }),
            ...(spec.tos !== undefined && { tos: spec.tos }),
          }
        : undefined;
  }

  /** Records a request about to be sent at `now`; returns its full sequence number. */
  send(now: number): number {
    const seq = ++this.sent;
    const i = this.base + (seq % RING);
    // A request the ring is about to forget while still unanswered is lost: count it now.
    if (this.rings.states[i] === ProbeState.InFlight) this.timeouts++;
    this.rings.seqs[i] = seq;
    this.rings.sentAt[i] = now;
    this.rings.states[i] = ProbeState.InFlight;
    this.rings.restamped[i] = 0;
    this.rings.earlyReply[i] = Number.NaN;
    return seq;
  }

  /** The time taken just before the send system call replaces the queueing time. */
  restamp(seq: number, sentAt: number): void {
    // A removed target's slot (and ring) may be another's by the time its send completes.
    if (this.removed) return;
    const i = this.base + (seq % RING);
    if (this.rings.seqs[i] !== seq) return;
    this.rings.sentAt[i] = sentAt;
    this.rings.restamped[i] = 1;
    const early = this.rings.earlyReply[i]!;
    if (!Number.isNaN(early)) {
      this.rings.earlyReply[i] = Number.NaN;
      this.answer(i, early);
    }
  }

  /** The send failed: the request never left, so it is neither a response nor a loss. */
  sendFailed(seq: number): void {
    if (this.removed) return;
    const i = this.base + (seq % RING);
    if (this.rings.seqs[i] !== seq) return;
    this.rings.states[i] = ProbeState.Failed;
    this.sendErrors++;
  }

  /** The full sequence number a 16-bit wire value stands for: the latest sent with those bits. */
  fullSequence(wire: number): number {
    return this.sent - ((this.sent - wire) & 0xffff);
  }

  /** An echo reply with this wire sequence arrived at `receivedAt` (kernel time, ns). */
  reply(wire: number, receivedAt: number, ttl: number | undefined): ReplyVerdict {
    const seq = this.fullSequence(wire);
    const i = this.base + (seq % RING);
    if (seq < 1 || this.rings.seqs[i] !== seq) return 'unmatched';
    const state = this.rings.states[i]!;
    if (state === ProbeState.InFlight) {
      if (ttl !== undefined) this.lastTtl = ttl;
      if (!this.rings.restamped[i]) {
        // On loopback a reply can arrive before the send's promise settles: judge it then.
        if (Number.isNaN(this.rings.earlyReply[i]!)) {
          this.rings.earlyReply[i] = receivedAt;
          return receivedAt - this.rings.sentAt[i]! <= this.timeoutNs ? 'response' : 'late';
        }
        this.duplicates++;
        return 'duplicate';
      }
      return this.answer(i, receivedAt);
    }
    if (state === ProbeState.TimedOut) {
      this.rings.states[i] = ProbeState.AnsweredLate;
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
    const rttNs = Math.max(0, receivedAt - this.rings.sentAt[i]!);
    if (rttNs > this.timeoutNs) {
      // Came after its timeout by the kernel's clock, though read before the timer ran.
      this.rings.states[i] = ProbeState.AnsweredLate;
      this.late++;
      return 'late';
    }
    this.rings.states[i] = ProbeState.Answered;
    this.responses++;
    const seconds = rttNs / 1e9;
    this.lastRtt = seconds;
    this.rtt.observe(seconds);
    this.onRtt(this, seconds);
    return 'response';
  }

  /** The request's timeout came: unanswered, it is lost (a reply after this is late). */
  expire(seq: number): boolean {
    const i = this.base + (seq % RING);
    if (this.rings.seqs[i] !== seq || this.rings.states[i] !== ProbeState.InFlight) return false;
    if (!this.rings.restamped[i] && !Number.isNaN(this.rings.earlyReply[i]!)) return false;
    this.rings.states[i] = ProbeState.TimedOut;
    this.timeouts++;
    return true;
  }

  /** An ICMP error (unreachable, time exceeded) answered this request: it is lost, with a reason. */
  icmpError(wire: number): boolean {
    const seq = this.fullSequence(wire);
    const i = this.base + (seq % RING);
    if (seq < 1 || this.rings.seqs[i] !== seq || this.rings.states[i] !== ProbeState.InFlight) return false;
    this.rings.states[i] = ProbeState.Failed;
    this.icmpErrors++;
    return true;
  }

  /** Requests whose fate is still open. */
  get inFlight(): number {
    let n = 0;
    for (let i = this.base; i < this.base + RING; i++) if (this.rings.states[i] === ProbeState.InFlight) n++;
    return n;
  }
}
