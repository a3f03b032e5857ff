import { checkConfig, type EngineConfig, WAIT_PRECISION_MS } from './config.js';
import { type HopSnapshot, HopStats } from './hop-stats.js';
import { type MtuChange, PathMtuSearch } from './mtu-search.js';
import type { ProbeId, ProbeResponse } from './types.js';

/**
 * Probes per TTL in classic mode: the queries asked for, and at least one on every flow, so that
 * `flows: 16` with traceroute's 3 queries still walks 16 paths (as Dublin traceroute probes every
 * flow at every TTL) rather than 3.
 */
export function probesPerHop(c: Pick<EngineConfig, 'queriesPerHop' | 'flows'>): number {
  return Math.max(c.queriesPerHop, c.flows);
}

/** A probe the engine wants sent now. */
export interface PlannedProbe {
  readonly id: ProbeId;
  readonly ttl: number;
  readonly round: number;
  /** Index of the flow the probe belongs to (0 when the trace has one). */
  readonly flow: number;
  /** Path MTU discovery (`config.pathMtu`): the probe's size in bytes, IP header included. */
  readonly size?: number;
}

/**
 * Initial TTLs in use (Linux and most Unix 64, Windows 128, network gear 255; 32 survives here
 * and there): an answer that arrived with TTL r left with the smallest of them at or above r.
 */
const INITIAL_TTLS = [32, 64, 128, 255] as const;

/**
 * The TTL at which a probe would reach a host whose answer arrived with TTL `arrivedWith`, had it
 * come back the way the probe went: the routers on the way took one each.
 */
export function distanceFromAnswer(arrivedWith: number): number {
  const initial = INITIAL_TTLS.find((t) => t >= arrivedWith) ?? 255;
  return initial - arrivedWith + 1;
}

/** What became of one probe. */
export type ProbeOutcome =
  | {
      readonly type: 'reply';
      readonly id: ProbeId;
      readonly ttl: number;
      readonly round: number;
      readonly flow: number;
      readonly rttMs: number;
      readonly response: ProbeResponse;
    }
  | {
      readonly type: 'timeout';
      readonly id: ProbeId;
      readonly ttl: number;
      readonly round: number;
      readonly flow: number;
    }
  | {
      readonly type: 'send-error';
      readonly id: ProbeId;
      readonly ttl: number;
      readonly round: number;
      readonly flow: number;
      readonly code: string;
    }
  | {
      /** Path MTU discovery: the probe was too big; it goes out again at `change.mtu`. */
      readonly type: 'too-big';
      readonly id: ProbeId;
      readonly ttl: number;
      readonly round: number;
      readonly size: number;
      readonly change: MtuChange;
    };

interface InFlight {
  readonly ttl: number;
  readonly round: number;
  readonly flow: number;
  readonly size: number | undefined;
  sentAt: bigint;
  /**
   * sentAt as a number: deadlines are reckoned in numbers, exact to the nanosecond for 104 days of
   * uptime (2^53 ns) and within a few nanoseconds after, where BigInt arithmetic on every wake
   * cost more than the rest of the reckoning on a cold start.
   */
  sentNs: number;
  /**
   * Whether the socket layer has said when the probe left. Until then it cannot time out: a
   * send queue that is slow for a moment must not turn into lost probes.
   */
  onWire: boolean;
}

const NS_PER_MS = 1_000_000;

/**
 * The traceroute engine as a state machine. It is driven by a clock (`take`, `expire` and
 * `nextWake` take `now`) and by events (`sent`, `sendFailed`, `response`); it owns no socket and
 * no timer, so its rules are tested by scripting replies: out of order, duplicated, silent.
 *
 * Classic mode is traceroute: `queriesPerHop` probes per TTL, up to `maxInFlight` at once across
 * TTLs (not one hop at a time), each waiting at most `waitMs`, shortened as traceroute shortens
 * it: to HERE × the RTT of a reply from the same hop, or NEAR × the RTT of a reply from a later
 * hop. A silent hop therefore costs about one (short) wait, not hops × wait.
 *
 * Continuous mode is mtr: a round of one probe per TTL every `roundIntervalMs`, rounds
 * overlapping as their replies come, for `cycles` rounds or until stopped; each probe waits
 * `waitMs`. Memory is bounded by the in-flight limit and the per-hop folds.
 *
 * Both stop at the destination: the lowest TTL at which it answered (or at which someone said
 * it is unreachable) caps every later probe, and replies from beyond it are not counted.
 *
 * Until the destination answers a probe, traceroute's window runs past it: 16 in flight, each
 * reply from a nearer hop sending the next TTL, so a path of 8 hops took 37 probes, 13 of them
 * echo requests (or, over UDP, port-unreachable errors the destination rate-limits) the
 * destination answered for nothing. With `distanceProbe`, classic mode first sends one probe at
 * `maxTtl`: the TTL its answer arrives with says how far the destination is (`distanceFromAnswer`,
 * exact where the way back is as long as the way there), and probes beyond that distance are held
 * until the path shows it goes on: a router answers from that distance or beyond (the way back
 * was shorter), or every probe up to it settled without the destination (it does not answer
 * TTL-limited probes). That distance probe is no hop's: it is in no outcome, no statistic and no
 * window slot, and nothing waits for it. The 8-hop path takes 25 probes, traceroute's 37.
 */
export class TraceEngine {
  readonly config: EngineConfig;
  readonly #hops = new Map<number, HopStats>();
  readonly #inFlight = new Map<ProbeId, InFlight>();
  /** Classic mode: probes not yet sent, in TTL order. */
  #queue: { ttl: number; round: number; flow: number }[] = [];
  #round = 0;
  #nextRoundAt: bigint | undefined;
  #stopTtl: number | undefined;
  #nextId = 1;
  #stopped = false;
  readonly #mtu: PathMtuSearch | undefined;
  /**
   * Path MTU discovery: whether the size probes start at is known to leave this host. Until then
   * one probe goes at a time, as tracepath's first: the kernel's EMSGSIZE says the interface MTU
   * at once, and 16 probes of 64 KiB would each be built and checksummed only to be refused.
   */
  #startSizeKnown = false;
  /** The distance probe: planned, in flight (sentNs once on the wire), or done with (null). */
  #distance: { readonly id: ProbeId; sentNs: number | undefined } | null | undefined;
  /** Probes beyond this TTL wait: the destination's estimated distance. */
  #holdBeyond: number | undefined;

  constructor(config: EngineConfig) {
    this.config = checkConfig(config);
    if (config.pathMtu) this.#mtu = new PathMtuSearch(config.pathMtu.family, config.pathMtu.start);
    // Where the window spans one hop's probes or less, nothing goes beyond the destination anyway.
    this.#distance =
      config.distanceProbe &&
      config.mode === 'classic' &&
      !config.pathMtu &&
      config.maxInFlight > probesPerHop(config)
        ? undefined
        : null;
    if (config.mode === 'classic') {
      for (let ttl = config.firstTtl; ttl <= config.maxTtl; ttl++) {
        for (let q = 0; q < probesPerHop(config); q++)
          this.#queue.push({ ttl, round: 0, flow: q % config.flows });
      }
    }
  }

  /** The lowest TTL at which the destination answered or was declared unreachable. */
  get destinationTtl(): number | undefined {
    return this.#stopTtl;
  }

  /** The probes to send now, registered as in flight from `now`. */
  take(now: bigint): PlannedProbe[] {
    if (this.#stopped) return [];
    if (this.config.mode === 'continuous') this.#startRounds(now);
    const out: PlannedProbe[] = [];
    if (this.#distance === undefined) {
      // First, so that its answer comes before most others: sent together, the nearer hops answer first.
      const id = this.#allocateId();
      if (id !== undefined) {
        this.#distance = { id, sentNs: undefined };
        out.push({ id, ttl: this.config.maxTtl, round: 0, flow: 0 });
      }
    }
    const room =
      this.#mtu && !this.#startSizeKnown ? (this.#inFlight.size === 0 ? 1 : 0) : this.config.maxInFlight;
    while (this.#inFlight.size < room && this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (this.#holdBeyond !== undefined && next.ttl > this.#holdBeyond) {
        // Held until the path shows it goes on; or, where every probe up to the estimate settled
        // without the destination answering one, the estimate was no guide: traceroute's way on.
        let below = false;
        for (const p of this.#inFlight.values()) if (p.ttl <= this.#holdBeyond) below = true;
        if (below) break;
        this.#holdBeyond = undefined;
      }
      this.#queue.shift();
      if (this.#stopTtl !== undefined && next.ttl > this.#stopTtl) continue;
      const id = this.#allocateId();
      if (id === undefined) {
        this.#queue.unshift(next);
        break;
      }
      const { ttl, round, flow } = next;
      if (this.#mtu) {
        const size = this.#mtu.sizeFor(ttl);
        this.#inFlight.set(id, { ttl, round, flow, size, sentAt: now, sentNs: Number(now), onWire: false });
        out.push({ id, ttl, round, flow, size });
      } else {
        this.#inFlight.set(id, {
          ttl,
          round,
          flow,
          size: undefined,
          sentAt: now,
          sentNs: Number(now),
          onWire: false,
        });
        out.push({ id, ttl, round, flow });
      }
    }
    return out;
  }

  #startRounds(now: bigint): void {
    const c = this.config;
    while (
      (c.cycles === undefined || this.#round < c.cycles) &&
      (this.#nextRoundAt === undefined || now >= this.#nextRoundAt)
    ) {
      // A new round only once the previous one is on the wire: rounds queue behind the in-flight
      // limit rather than pile up.
      if (this.#queue.length > 0) break;
      const last = this.#stopTtl ?? c.maxTtl;
      for (let ttl = c.firstTtl; ttl <= last; ttl++)
        this.#queue.push({ ttl, round: this.#round, flow: this.#round % c.flows });
      this.#round++;
      this.#nextRoundAt = (this.#nextRoundAt ?? now) + BigInt(Math.round(c.roundIntervalMs * NS_PER_MS));
      if (this.#nextRoundAt < now)
        this.#nextRoundAt = now + BigInt(Math.round(c.roundIntervalMs * NS_PER_MS));
    }
  }

  #allocateId(): ProbeId | undefined {
    for (let tries = 0; tries < 65_535; tries++) {
      const id = this.#nextId as ProbeId;
      this.#nextId = this.#nextId === 65_535 ? 1 : this.#nextId + 1;
      if (!this.#inFlight.has(id) && this.#distance?.id !== id) return id;
    }
    return undefined;
  }

  /** Records when the socket layer actually sent a probe: its wait starts then. */
  sent(id: ProbeId, at: bigint): void {
    if (this.#distance?.id === id) this.#distance.sentNs = Number(at);
    const p = this.#inFlight.get(id);
    if (p) {
      p.sentAt = at;
      p.sentNs = Number(at);
      p.onWire = true;
      if (p.size !== undefined) this.#startSizeKnown = true;
    }
  }

  /**
   * A send that failed. With path MTU discovery, EMSGSIZE is the kernel saying the probe is
   * larger than the interface lets out: `mtu` is what it allows (0 where unknown).
   */
  sendFailed(id: ProbeId, code: string, mtu = 0): ProbeOutcome | undefined {
    if (this.#distance?.id === id) this.#distance = null;
    const p = this.#inFlight.get(id);
    if (!p) return undefined;
    if (code === 'EMSGSIZE') {
      const retry = this.#tooBig(id, p, mtu, null);
      if (retry) return retry;
    }
    this.#inFlight.delete(id);
    this.#hop(p.ttl).lost();
    return { type: 'send-error', id, ttl: p.ttl, round: p.round, flow: p.flow, code };
  }

  /** Settles the probe a response answers; duplicates and strangers are ignored (undefined). */
  response(r: ProbeResponse): ProbeOutcome | undefined {
    if (this.#distance?.id === r.probeId) {
      this.#distance = null;
      // Only the destination's own answer measures its distance; a router's error says nothing of it.
      if (r.kind === 'reached' && r.responseTtl !== null && this.#stopTtl === undefined)
        this.#holdBeyond = Math.max(distanceFromAnswer(r.responseTtl), this.config.firstTtl);
      return undefined;
    }
    const p = this.#inFlight.get(r.probeId);
    if (!p) return undefined;
    // A router at or beyond the estimate: the way back was shorter than the way there.
    if (this.#holdBeyond !== undefined && r.kind === 'time-exceeded' && p.ttl >= this.#holdBeyond)
      this.#holdBeyond = undefined;
    if (r.nextHopMtu !== undefined && (this.#stopTtl === undefined || p.ttl <= this.#stopTtl)) {
      const retry = this.#tooBig(r.probeId, p, r.nextHopMtu, r.responder);
      if (retry) return retry;
    }
    this.#inFlight.delete(r.probeId);
    const rttMs = Number(r.receivedAt - p.sentAt) / NS_PER_MS;
    // Beyond the destination: a probe that overtook the discovery of where the path ends.
    if (this.#stopTtl !== undefined && p.ttl > this.#stopTtl) return undefined;
    if (r.kind !== 'time-exceeded') this.#markEnd(p.ttl);
    const hop = this.#hop(p.ttl);
    hop.reply(rttMs, r.responder, r.mpls, r.mark, r.kind === 'reached');
    if (p.size !== undefined) hop.answeredAt(p.size);
    return { type: 'reply', id: r.probeId, ttl: p.ttl, round: p.round, flow: p.flow, rttMs, response: r };
  }

  /**
   * A probe too big for the path: sent again, smaller, in place of being counted lost. Undefined
   * when not searching, or when nothing smaller is left (the error then settles the probe).
   */
  #tooBig(id: ProbeId, p: InFlight, reported: number, from: string | null): ProbeOutcome | undefined {
    if (!this.#mtu || p.size === undefined) return undefined;
    const change = this.#mtu.shrink(p.ttl, p.size, reported, from);
    if (!change) return undefined;
    // The kernel said what leaves: every probe can go now (without its word, one more is tried).
    if (from === null && reported > 0) this.#startSizeKnown = true;
    this.#inFlight.delete(id);
    if (!this.#stopped) this.#queue.unshift({ ttl: p.ttl, round: p.round, flow: p.flow });
    return { type: 'too-big', id, ttl: p.ttl, round: p.round, size: p.size, change };
  }

  #markEnd(ttl: number): void {
    if (this.#stopTtl !== undefined && this.#stopTtl <= ttl) return;
    this.#stopTtl = ttl;
    this.#distance = null;
    this.#holdBeyond = undefined;
    // Forget what lies beyond: those probes can only repeat the destination.
    this.#queue = this.#queue.filter((q) => q.ttl <= ttl);
    for (const [id, p] of this.#inFlight) if (p.ttl > ttl) this.#inFlight.delete(id);
    for (const t of [...this.#hops.keys()]) if (t > ttl) this.#hops.delete(t);
  }

  /** Settles every probe whose wait has run out by `now`. */
  expire(now: bigint): ProbeOutcome[] {
    const out: ProbeOutcome[] = [];
    const waits = this.#waits();
    const nowNs = Number(now);
    // The distance probe is forgotten, silently, after the longest wait (nothing waited for it).
    const d = this.#distance;
    if (d?.sentNs !== undefined && nowNs >= d.sentNs + this.config.waitMs * NS_PER_MS) this.#distance = null;
    for (const [id, p] of this.#inFlight) {
      if (p.onWire && nowNs >= p.sentNs + waits.ns(p.ttl)) {
        this.#inFlight.delete(id);
        this.#hop(p.ttl).lost();
        out.push({ type: 'timeout', id, ttl: p.ttl, round: p.round, flow: p.flow });
      }
    }
    return out;
  }

  /**
   * How long a probe of each TTL waits now, in nanoseconds. Classic mode shortens a TTL's wait by
   * the best RTT of its own hop (HERE) and of any later one (NEAR): one pass over the hops makes
   * the later hops' best for every TTL at once, where asking per probe walked them all each time
   * (up to 16 probes in flight, each walking every hop, after every reply and every send).
   */
  #waits(): { ns(ttl: number): number } {
    const c = this.config;
    const flat = Math.round(c.waitMs * NS_PER_MS);
    if (c.mode !== 'classic' || (c.waitHere <= 0 && c.waitNear <= 0) || this.#hops.size === 0)
      return { ns: () => flat };
    // bestAt[t]: the hop's own best RTT; nearAt[t]: the best of the hops after t.
    const bestAt: (number | null)[] = [];
    let top = 0;
    for (const [t, h] of this.#hops) {
      bestAt[t] = h.best;
      if (t > top) top = t;
    }
    const nearAt: (number | undefined)[] = [];
    let near: number | undefined;
    for (let t = top; t >= 0; t--) {
      nearAt[t] = near;
      const best = bestAt[t];
      if (best !== null && best !== undefined && (near === undefined || best < near)) near = best;
    }
    const byTtl = new Map<number, number>();
    return {
      ns: (ttl) => {
        let w = byTtl.get(ttl);
        if (w === undefined) {
          let wait = c.waitMs;
          const here = bestAt[ttl];
          if (c.waitHere > 0 && here !== null && here !== undefined)
            wait = Math.min(wait, (here + WAIT_PRECISION_MS) * c.waitHere);
          // Beyond the last hop heard, no later hop has answered: nearAt has no entry there.
          const later = ttl >= 0 && ttl <= top ? nearAt[ttl] : undefined;
          if (c.waitNear > 0 && later !== undefined)
            wait = Math.min(wait, (later + WAIT_PRECISION_MS) * c.waitNear);
          w = wait === c.waitMs ? flat : Math.round(wait * NS_PER_MS);
          byTtl.set(ttl, w);
        }
        return w;
      },
    };
  }

  /** When the driver should call `expire` / `take` next; undefined when nothing is pending. */
  nextWake(): bigint | undefined {
    let wake: bigint | undefined;
    if (this.#inFlight.size > 0) {
      const waits = this.#waits();
      let earliest = Number.POSITIVE_INFINITY;
      for (const p of this.#inFlight.values()) {
        if (!p.onWire) continue;
        const d = p.sentNs + waits.ns(p.ttl);
        if (d < earliest) earliest = d;
      }
      if (earliest !== Number.POSITIVE_INFINITY) wake = BigInt(earliest);
    }
    if (this.config.mode === 'continuous' && !this.#stopped && this.#nextRoundAt !== undefined) {
      const more = this.config.cycles === undefined || this.#round < this.config.cycles;
      if (more && (wake === undefined || this.#nextRoundAt < wake)) wake = this.#nextRoundAt;
    }
    return wake;
  }

  /** Sends no more probes; in-flight ones may still settle. */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#holdBeyond = undefined;
  }

  /** True when nothing is left to send or wait for. */
  get done(): boolean {
    if (this.#inFlight.size > 0 || this.#queue.length > 0) return false;
    if (this.#stopped || this.config.mode === 'classic') return true;
    return this.config.cycles !== undefined && this.#round >= this.config.cycles;
  }

  /** Rounds started so far (continuous mode). */
  get rounds(): number {
    return this.#round;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Whether every probe of TTL `ttl` has settled (classic mode prints a hop's line then). */
  hopSettled(ttl: number): boolean {
    if (this.#queue.some((q) => q.ttl === ttl)) return false;
    for (const p of this.#inFlight.values()) if (p.ttl === ttl) return false;
    return true;
  }

  hop(ttl: number): HopSnapshot | undefined {
    return this.#hops.get(ttl)?.snapshot();
  }

  /** Every hop from the first TTL to the destination (or the highest probed), in order. */
  hops(): HopSnapshot[] {
    const last = this.#stopTtl ?? Math.max(this.config.firstTtl - 1, ...this.#hops.keys());
    const out: HopSnapshot[] = [];
    for (let ttl = this.config.firstTtl; ttl <= last; ttl++) out.push(this.#hop(ttl).snapshot());
    return out;
  }

  /** Clears the statistics (mtr's `r` key); probes in flight keep going. */
  reset(): void {
    this.#hops.clear();
  }

  #hop(ttl: number): HopStats {
    let h = this.#hops.get(ttl);
    if (!h) {
      h = new HopStats(ttl);
      this.#hops.set(ttl, h);
    }
    return h;
  }
}
