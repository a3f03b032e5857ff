/**
 * The outcome bookkeeping of one target's echo requests, as a state machine driven by events
 * (sent, reply, error) and a clock (expire). It owns no socket and no timer, so its rules are
 * tested by feeding it events: out-of-order replies, duplicates, late replies and silence.
 *
 * Sequence numbers are the 16-bit wire values. A record lives from its send until `lateWindow`
 * after its deadline, so a late reply or a duplicate can still be matched; after that it is
 * dropped, which bounds memory however long the run.
 */
export type ReplyVerdict =
  | { readonly kind: 'reply'; readonly rttNs: bigint }
  | { readonly kind: 'duplicate'; readonly rttNs: bigint }
  | { readonly kind: 'late'; readonly rttNs: bigint }
  | { readonly kind: 'unmatched' };

export type ErrorVerdict = { readonly kind: 'error' } | { readonly kind: 'unmatched' };

type ProbeState = 'in-flight' | 'answered' | 'timed-out' | 'errored';

interface ProbeRecord {
  readonly sentAt: bigint;
  readonly deadline: bigint;
  state: ProbeState;
}

export class ProbeTracker {
  // Insertion order is send order, and every record has the same timeout, so the oldest
  // deadline is always the first in-flight record: expiry is a walk from the front.
  readonly #records = new Map<number, ProbeRecord>();
  #inFlight = 0;

  constructor(
    readonly timeoutNs: bigint,
    readonly lateWindowNs: bigint,
  ) {}

  sent(sequence: number, at: bigint): void {
    // A wrapped sequence number reuses the slot: the old record is long settled by then.
    if (this.#records.get(sequence)?.state === 'in-flight') this.#inFlight--;
    this.#records.delete(sequence);
    this.#records.set(sequence, { sentAt: at, deadline: at + this.timeoutNs, state: 'in-flight' });
    this.#inFlight++;
  }

  reply(sequence: number, at: bigint): ReplyVerdict {
    const r = this.#records.get(sequence);
    if (!r) return { kind: 'unmatched' };
    const rttNs = at - r.sentAt;
    switch (r.state) {
      case 'in-flight':
        if (at > r.deadline) {
          // The deadline passed but expire() has not run yet (a busy loop): still late.
          r.state = 'timed-out';
          this.#inFlight--;
          return { kind: 'late', rttNs };
        }
        r.state = 'answered';
        this.#inFlight--;
        return { kind: 'reply', rttNs };
      case 'answered':
        return { kind: 'duplicate', rttNs };
      case 'timed-out':
        return { kind: 'late', rttNs };
      case 'errored':
        return { kind: 'unmatched' };
    }
  }

  /**
   * Moves a probe's send time to the moment just before the system call, when the socket layer
   * reports it; the deadline moves with it. Settled probes keep what they have.
   */
  restamp(sequence: number, sentAt: bigint): void {
    const r = this.#records.get(sequence);
    if (r?.state !== 'in-flight') return;
    this.#records.set(sequence, { sentAt, deadline: sentAt + this.timeoutNs, state: r.state });
  }

  /** An ICMP error quoting this probe settles it (unless a reply came first). */
  error(sequence: number): ErrorVerdict {
    const r = this.#records.get(sequence);
    if (r?.state !== 'in-flight') return { kind: 'unmatched' };
    r.state = 'errored';
    this.#inFlight--;
    return { kind: 'error' };
  }

  /** Settles every probe whose deadline is at or before `now`; returns their sequences in send order. */
  expire(now: bigint): number[] {
    const expired: number[] = [];
    for (const [sequence, r] of this.#records) {
      if (r.state === 'in-flight') {
        if (r.deadline > now) break;
        r.state = 'timed-out';
        this.#inFlight--;
        expired.push(sequence);
      } else if (r.deadline + this.lateWindowNs <= now) {
        this.#records.delete(sequence);
      }
    }
    return expired;
  }

  /** The earliest deadline among probes still in flight. */
  nextDeadline(): bigint | undefined {
    for (const r of this.#records.values()) if (r.state === 'in-flight') return r.deadline;
    return undefined;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Records kept (in flight, or settled but still matchable): bounded by rate × (timeout + late window). */
  get size(): number {
    return this.#records.size;
  }
}
