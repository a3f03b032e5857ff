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

const FREE = 0;
const IN_FLIGHT = 1;
const ANSWERED = 2;
const TIMED_OUT = 3;
const ERRORED = 4;
type SettledState = typeof ANSWERED | typeof TIMED_OUT | typeof ERRORED;

/** Sequence numbers are 16 bits: the table never needs more slots than this. */
const MAX_SLOTS = 0x10000;

/**
 * Records live in typed arrays, not objects: a slot per wire sequence (`sequence & mask`) holds
 * the send time, state and a send counter, and a FIFO of (sequence, send counter) keeps send
 * order. A probe costs no allocation and 21 bytes (twice that at most, as tables double), so a
 * target pinged every millisecond (12,000 records alive over the 2 s timeout and 10 s late
 * window) holds under 0.5 MB, and a run of any length the same. Both tables grow by doubling while the records alive need it.
 */
export class ProbeTracker {
  readonly #timeout: number;
  readonly #lateWindow: number;
  /** Times are kept as nanoseconds since the first send, exact in a double for 104 days. */
  #base: bigint | undefined;
  #mask = 15;
  #slotSeq = new Uint16Array(16);
  #slotSentAt = new Float64Array(16);
  #slotState = new Uint8Array(16);
  #slotSend = new Uint32Array(16);
  /** Send order: a ring of (sequence, send counter); entries whose slot moved on are stale. */
  #orderSeq = new Uint16Array(16);
  #orderSend = new Uint32Array(16);
  #orderHead = 0; // absolute positions; index = position & (capacity − 1)
  #orderTail = 0;
  /** No probe before this position is in flight: expiry and the next deadline start here. */
  #pendingHead = 0;
  #sends = 0;
  #inFlight = 0;
  #size = 0;

  constructor(
    readonly timeoutNs: bigint,
    readonly lateWindowNs: bigint,
  ) {
    this.#timeout = Number(timeoutNs);
    this.#lateWindow = Number(lateWindowNs);
  }

  #rel(at: bigint): number {
    this.#base ??= at;
    return Number(at - this.#base);
  }

  #slotOf(sequence: number): number | undefined {
    const slot = sequence & this.#mask;
    return this.#slotSeq[slot] === sequence && this.#slotState[slot] !== FREE ? slot : undefined;
  }

  sent(sequence: number, at: bigint): void {
    const now = this.#rel(at);
    this.#forget(now);
    let slot = sequence & this.#mask;
    // A slot still holding another live sequence: grow until it is free (or, at 65,536 slots,
    // the same sequence: a wrapped number reuses its slot, the old record long settled by then).
    while (this.#slotState[slot] !== FREE && this.#slotSeq[slot] !== sequence && this.#mask + 1 < MAX_SLOTS) {
      this.#growSlots();
      slot = sequence & this.#mask;
    }
    if (this.#slotState[slot] !== FREE) {
      if (this.#slotState[slot] === IN_FLIGHT) this.#inFlight--;
      this.#size--;
    }
    // Send counters only tell a record from the one that replaced it: wrapping at 2^32 is harmless.
    this.#sends = (this.#sends + 1) >>> 0;
    const send = this.#sends;
    this.#slotSeq[slot] = sequence;
    this.#slotSentAt[slot] = now;
    this.#slotState[slot] = IN_FLIGHT;
    this.#slotSend[slot] = send;
    this.#inFlight++;
    this.#size++;
    if (this.#orderTail - this.#orderHead === this.#orderSeq.length) this.#growOrder();
    const i = this.#orderTail++ & (this.#orderSeq.length - 1);
    this.#orderSeq[i] = sequence;
    this.#orderSend[i] = send;
  }

  #growSlots(): void {
    const size = (this.#mask + 1) * 2;
    const seq = new Uint16Array(size);
    const sentAt = new Float64Array(size);
    const state = new Uint8Array(size);
    const sends = new Uint32Array(size);
    for (let old = 0; old <= this.#mask; old++) {
      if (this.#slotState[old] === FREE) continue;
      const slot = this.#slotSeq[old]! & (size - 1);
      seq[slot] = this.#slotSeq[old]!;
      sentAt[slot] = this.#slotSentAt[old]!;
      state[slot] = this.#slotState[old]!;
      sends[slot] = this.#slotSend[old]!;
    }
    this.#mask = size - 1;
    this.#slotSeq = seq;
    this.#slotSentAt = sentAt;
    this.#slotState = state;
    this.#slotSend = sends;
  }

  #growOrder(): void {
    const n = this.#orderSeq.length;
    const seq = new Uint16Array(n * 2);
    const sends = new Uint32Array(n * 2);
    for (let p = this.#orderHead; p < this.#orderTail; p++) {
      seq[p & (n * 2 - 1)] = this.#orderSeq[p & (n - 1)]!;
      sends[p & (n * 2 - 1)] = this.#orderSend[p & (n - 1)]!;
    }
    this.#orderSeq = seq;
    this.#orderSend = sends;
  }

  /** The slot an order entry still refers to, or undefined where that record was replaced or dropped. */
  #live(position: number): number | undefined {
    const i = position & (this.#orderSeq.length - 1);
    const slot = this.#slotOf(this.#orderSeq[i]!);
    return slot !== undefined && this.#slotSend[slot] === this.#orderSend[i] ? slot : undefined;
  }

  #settle(slot: number, state: SettledState): void {
    this.#slotState[slot] = state;
    this.#inFlight--;
  }

  /** Drops settled records whose late window has passed, oldest first (amortised O(1)). */
  #forget(now: number): void {
    while (this.#orderHead < this.#orderTail) {
      const slot = this.#live(this.#orderHead);
      if (slot !== undefined) {
        if (this.#slotSentAt[slot]! + this.#timeout + this.#lateWindow > now) break;
        // An expired probe expire() has not yet declared lost stays until it has.
        if (this.#slotState[slot] === IN_FLIGHT) break;
        this.#slotState[slot] = FREE;
        this.#size--;
      }
      this.#orderHead++;
    }
    if (this.#pendingHead < this.#orderHead) this.#pendingHead = this.#orderHead;
  }

  /** The first probe in flight, in send order, from #pendingHead on (which it moves past settled ones). */
  #firstInFlight(): number | undefined {
    while (this.#pendingHead < this.#orderTail) {
      const slot = this.#live(this.#pendingHead);
      if (slot !== undefined && this.#slotState[slot] === IN_FLIGHT) return slot;
      this.#pendingHead++;
    }
    return undefined;
  }

  reply(sequence: number, at: bigint): ReplyVerdict {
    const slot = this.#slotOf(sequence);
    if (slot === undefined) return { kind: 'unmatched' };
    const now = this.#rel(at);
    const sentAt = this.#slotSentAt[slot]!;
    const rttNs = BigInt(now - sentAt);
    switch (this.#slotState[slot]) {
      case IN_FLIGHT:
        if (now > sentAt + this.#timeout) {
          // The deadline passed but expire() has not run yet (a busy loop): still late.
          this.#settle(slot, TIMED_OUT);
          return { kind: 'late', rttNs };
        }
        this.#settle(slot, ANSWERED);
        return { kind: 'reply', rttNs };
      case ANSWERED:
        return { kind: 'duplicate', rttNs };
      case TIMED_OUT:
        return { kind: 'late', rttNs };
      default:
        return { kind: 'unmatched' };
    }
  }

  /**
   * Moves a probe's send time to the moment just before the system call, when the socket layer
   * reports it; the deadline moves with it. Settled probes keep what they have.
   */
  restamp(sequence: number, sentAt: bigint): void {
    const slot = this.#slotOf(sequence);
    if (slot === undefined || this.#slotState[slot] !== IN_FLIGHT) return;
    this.#slotSentAt[slot] = this.#rel(sentAt);
  }

  /** An ICMP error quoting this probe settles it (unless a reply came first). */
  error(sequence: number): ErrorVerdict {
    const slot = this.#slotOf(sequence);
    if (slot === undefined || this.#slotState[slot] !== IN_FLIGHT) return { kind: 'unmatched' };
    this.#settle(slot, ERRORED);
    return { kind: 'error' };
  }

  /** Settles every probe whose deadline is at or before `now`; returns their sequences in send order. */
  expire(now: bigint): number[] {
    const t = this.#rel(now);
    const expired: number[] = [];
    for (let slot = this.#firstInFlight(); slot !== undefined; slot = this.#firstInFlight()) {
      if (this.#slotSentAt[slot]! + this.#timeout > t) break;
      this.#settle(slot, TIMED_OUT);
      expired.push(this.#slotSeq[slot]!);
    }
    this.#forget(t);
    return expired;
  }

  /** The earliest deadline among probes still in flight. */
  nextDeadline(): bigint | undefined {
    const slot = this.#firstInFlight();
    if (slot === undefined || this.#base === undefined) return undefined;
    return this.#base + BigInt(this.#slotSentAt[slot]! + this.#timeout);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Records kept (in flight, or settled but still matchable): bounded by rate × (timeout + late window). */
  get size(): number {
    return this.#size;
  }
}
