import { DELAY_BUCKETS } from './buckets.js';
import { MinHeap } from './heap.js';
import { Histogram } from './histogram.js';
import { IcmpTarget, type IcmpTargetSpec, type ReplyVerdict, targetKey } from './icmp-target.js';
import { ProbeRings } from './probe-rings.js';

/** The least time between two expiry passes (see nextExpiry). */
const EXPIRY_QUANTUM_NS = 100e6;

/** One request the engine wants on the wire now. */
export interface DueSend {
  readonly target: IcmpTarget;
  /** Full sequence number; the wire carries `seq & 0xffff`. */
  readonly seq: number;
}

export interface EngineCounters {
  /** Replies that matched no target or no remembered request (another process's, or too old). */
  unmatchedReplies: number;
  /** Sends skipped because the agent fell more than a whole period behind (never sent in a burst). */
  skippedSends: number;
}

/**
 * The ICMP echo scheduler and accounting as a state machine on a clock (ns, any origin): the
 * runner asks `due(now)` for what to send, reports sends, replies and errors, and calls
 * `expire(now)` at `nextWakeup()`. No sockets and no timers here, so tests drive it by hand.
 *
 * Every target's sends sit at fixed offsets in its period (target i of n at i/n of it), so
 * 10,000 targets at 1/s are 10 sends a millisecond, never 10,000 at once; a send's due time is
 * fixed in advance, so timer lateness never accumulates, and is measured: `schedulingDelay`.
 */
export class IcmpEngine {
  readonly schedulingDelay = new Histogram(DELAY_BUCKETS);
  readonly counters: EngineCounters = { unmatchedReplies: 0, skippedSends: 0 };
  private readonly sends = new MinHeap<IcmpTarget>();
  /** Each request's timeout: the target, its sequence number as the entry's `aux`. */
  private readonly timeouts = new MinHeap<IcmpTarget>();
  private targetsByKey = new Map<string, IcmpTarget>();
  private bySlot: (IcmpTarget | undefined)[] = [];
  private byAddress = new Map<string, IcmpTarget[]>();
  private freeSlots: number[] = [];
  private lastExpiry = Number.NEGATIVE_INFINITY;
  private readonly rings = new ProbeRings();

  constructor(private readonly onRtt?: (target: IcmpTarget, seconds: number) => void) {}

  get targets(): IterableIterator<IcmpTarget> {
    return this.targetsByKey.values();
  }

  get size(): number {
    return this.targetsByKey.size;
  }

  /**
   * Replaces the target list at `now`: targets whose spec is unchanged keep their counters and
   * their place in the schedule; new ones are spread over their period by their position in the
   * list; removed ones stop (their pending events are dropped as they come up).
   */
  setTargets(
    specs: readonly IcmpTargetSpec[],
    now: number,
  ): { added: number; removed: number; kept: number } {
    const next = new Map<string, IcmpTarget>();
    let added = 0;
    let kept = 0;
    const n = specs.length;
    let fresh = 0;
    for (const spec of specs) if (!this.targetsByKey.has(targetKey(spec))) fresh++;
    this.rings.reserve(this.bySlot.length + Math.max(0, fresh - this.freeSlots.length));
    for (const [index, spec] of specs.entries()) {
      const key = targetKey(spec);
      if (next.has(key)) continue; // the same target twice is probed once
      const old = this.targetsByKey.get(key);
      if (old) {
        next.set(key, old);
        kept++;
        continue;
      }
      const slot = this.freeSlots.pop() ?? this.bySlot.length;
      this.rings.claim(slot);
      const target = new IcmpTarget(spec, slot, this.onRtt, this.rings);
      this.bySlot[slot] = target;
      const phase = (index / n) * target.periodNs;
      // The first slot at or after now on this target's grid.
      target.nextDue = now + ((phase - (now % target.periodNs) + target.periodNs) % target.periodNs);
      this.sends.push(target.nextDue, target);
      next.set(key, target);
      added++;
    }
    let removed = 0;
    for (const [key, target] of this.targetsByKey) {
      if (next.has(key)) continue;
      target.removed = true;
      this.bySlot[target.slot] = undefined;
      this.freeSlots.push(target.slot);
      removed++;
    }
    this.targetsByKey = next;
    this.byAddress = new Map();
    for (const t of next.values()) {
      const list = this.byAddress.get(t.spec.address);
      if (list) list.push(t);
      else this.byAddress.set(t.spec.address, [t]);
    }
    return { added, removed, kept };
  }

  /** The target with this slot (from a reply's payload), if it still exists. */
  targetAt(slot: number): IcmpTarget | undefined {
    return this.bySlot[slot];
  }

  /** Clock time of the next send or timeout, undefined when there is nothing to do. */
  nextWakeup(): number | undefined {
    this.dropRemovedHeads();
    const a = this.sends.peekKey();
    const b = this.nextExpiry();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /** The requests due by `now`, each recorded as sent at `now` (restamp with the real time). */
  due(now: number, out: DueSend[] = []): DueSend[] {
    for (;;) {
      const at = this.sends.peekKey();
      if (at === undefined || at > now) break;
      const target = this.sends.pop()!;
      if (target.removed) continue;
      const late = now - at;
      this.schedulingDelay.observe(late / 1e9);
      const seq = target.send(now);
      this.timeouts.push(now + target.timeoutNs, target, seq);
      out.push({ target, seq });
      // The next slot on the grid; slots already past are skipped, not sent in a burst.
      let nextDue = at + target.periodNs;
      if (nextDue <= now) {
        const missed = Math.floor((now - at) / target.periodNs);
        this.counters.skippedSends += missed;
        nextDue = at + (missed + 1) * target.periodNs;
      }
      target.nextDue = nextDue;
      this.sends.push(nextDue, target);
    }
    return out;
  }

  /** Whether expiry is due by `now` (read the sockets before `expire`). */
  timeoutDue(now: number): boolean {
    const at = this.nextExpiry();
    return at !== undefined && at <= now;
  }

  /**
   * When `expire` has work: the next timeout, but no sooner than EXPIRY_QUANTUM after the last
   * expiry. Whether a reply was in time is judged by its kernel timestamp, not by when the
   * engine looks, so declaring losses in batches changes no verdict; it saves a wake-up (and a
   * read of every socket) per timeout.
   */
  private nextExpiry(): number | undefined {
    const at = this.timeouts.peekKey();
    return at === undefined ? undefined : Math.max(at, this.lastExpiry + EXPIRY_QUANTUM_NS);
  }

  /** Requests past their timeout by `now` become lost. Read the sockets first (drain). */
  expire(now: number): number {
    this.lastExpiry = now;
    let lost = 0;
    for (;;) {
      const at = this.timeouts.peekKey();
      if (at === undefined || at > now) break;
      const target = this.timeouts.pop()!;
      if (!target.removed && target.expire(this.timeouts.poppedAux)) lost++;
    }
    return lost;
  }

  /** An echo reply from `from` for the target in `slot`; judged by the target's ring. */
  reply(slot: number, from: string, wire: number, receivedAt: number, ttl: number | undefined): ReplyVerdict {
    const target = this.bySlot[slot];
    if (!target || target.spec.address !== from) {
      this.counters.unmatchedReplies++;
      return 'unmatched';
    }
    const verdict = target.reply(wire, receivedAt, ttl);
    if (verdict === 'unmatched') this.counters.unmatchedReplies++;
    return verdict;
  }

  /** An ICMP error quoting a request to `destination` with this wire sequence. */
  icmpError(destination: string, wire: number): IcmpTarget | undefined {
    for (const t of this.byAddress.get(destination) ?? []) if (t.icmpError(wire)) return t;
    return undefined;
  }

  private dropRemovedHeads(): void {
    // Removed targets' events are discarded lazily; keep them from deciding the next wake-up.
    while (this.sends.size > 0) {
      const at = this.sends.peekKey()!;
      const head = this.sends.pop()!;
      if (!head.removed) {
        this.sends.push(at, head);
        break;
      }
    }
  }
}
