/**
 * Requests remembered per target: a reply is matched while its request is among the last RING
 * sent (at 1/s, the last 64 s, far past any timeout). Memory per target is fixed.
 */
export const RING = 64;

/** Slots per slab of `slotRow`. */
const SLAB_SLOTS = 1024;

/**
 * Every target's last RING requests, in five typed arrays for all targets together (target in
 * slot s owns entries s·RING to s·RING + RING − 1). One array per field and per target cost
 * 10,000 targets 60,000 array buffers, each with its own allocation and bookkeeping: about as
 * much memory again as the entries themselves.
 */
export class ProbeRings {
  /** Full sequence number of the request in each entry. */
  seqs: Float64Array;
  /** Engine-clock send time (ns): the queueing time, then the one taken before the system call. */
  sentAt: Float64Array;
  /** Receive time of a reply that beat its send's completion (restamp computes the RTT then). */
  earlyReply: Float64Array;
  /** ProbeState of each entry. */
  states: Uint8Array;
  /** 1 once the entry's send time is the system call's. */
  restamped: Uint8Array;

  constructor(slots = 1) {
    const n = Math.max(1, slots) * RING;
    this.seqs = new Float64Array(n);
    this.sentAt = new Float64Array(n);
    this.earlyReply = new Float64Array(n);
    this.states = new Uint8Array(n);
    this.restamped = new Uint8Array(n);
  }

  /** Room for `slots` targets, so that a config's targets are placed without regrowing. */
  reserve(slots: number): void {
    if (slots * RING > this.states.length) this.grow(slots * RING);
  }

  /** Room for the target in `slot` (growing by a half, past what `reserve` made), its entries empty. */
  claim(slot: number): void {
    const need = (slot + 1) * RING;
    if (need > this.states.length)
      this.grow(Math.max(need, Math.ceil((this.states.length * 1.5) / RING) * RING));
    const from = slot * RING;
    const to = from + RING;
    this.seqs.fill(0, from, to);
    this.sentAt.fill(0, from, to);
    this.earlyReply.fill(Number.NaN, from, to);
    this.states.fill(0, from, to);
    this.restamped.fill(0, from, to);
  }

  /**
   * Zeroed room for `width` numbers of the target in `slot` (its RTT histogram's buckets), a view
   * into a slab shared by 1,024 slots: slabs never move, so the view stays valid as slots grow.
   */
  slotRow(slot: number, width: number): Float64Array {
    const slab = Math.floor(slot / SLAB_SLOTS);
    let rows = this.slabs.get(width);
    if (!rows) {
      rows = [];
      this.slabs.set(width, rows);
    }
    let array = rows[slab];
    if (!array) {
      array = new Float64Array(SLAB_SLOTS * width);
      rows[slab] = array;
    }
    const from = (slot % SLAB_SLOTS) * width;
    const row = array.subarray(from, from + width);
    row.fill(0);
    return row;
  }

  private readonly slabs = new Map<number, Float64Array[]>();

  private grow(n: number): void {
    this.seqs = grown(this.seqs, new Float64Array(n));
    this.sentAt = grown(this.sentAt, new Float64Array(n));
    this.earlyReply = grown(this.earlyReply, new Float64Array(n));
    this.states = grown(this.states, new Uint8Array(n));
    this.restamped = grown(this.restamped, new Uint8Array(n));
  }
}

function grown<T extends Float64Array | Uint8Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
