import { type MplsLabel, QuantileSketch, RTT_QUANTILE_ACCURACY } from '@netdiag/icmp';

/** One responder seen at a hop (ECMP paths and flaps give a hop several). */
export interface Responder {
  readonly address: string;
  readonly replies: number;
  readonly lastMpls: readonly MplsLabel[];
}

/** A hop's statistics, with mtr's columns and names. RTTs in milliseconds. */
export interface HopSnapshot {
  readonly ttl: number;
  /** Probes sent at this TTL whose outcome is known (mtr's Snt counts settled probes). */
  readonly sent: number;
  readonly received: number;
  /** Loss% = (sent − received) / sent × 100 over settled probes. */
  readonly lossPercent: number;
  readonly last: number | null;
  readonly avg: number | null;
  readonly best: number | null;
  readonly worst: number | null;
  /** Sample standard deviation (n − 1), as mtr computes StDev. */
  readonly stdev: number | null;
  /** Mean absolute difference between consecutive RTTs at this hop (mtr's Javg). */
  readonly jitter: number | null;
  /**
   * Median and 95th percentile (nearest rank) of every RTT at this hop, from a quantile sketch:
   * within RTT_QUANTILE_ACCURACY (1 %) of the exact value, in memory that does not grow.
   */
  readonly p50: number | null;
  readonly p95: number | null;
  /** Responders in order of first reply, at most MAX_RESPONDERS. */
  readonly responders: readonly Responder[];
  /** The latest unreachable mark seen here (`!X` ...), '' if none. */
  readonly mark: string;
  /** Whether the destination itself answered at this TTL. */
  readonly reachedDestination: boolean;
  /** The last HISTORY samples: RTT in ms, or null for a lost probe. */
  readonly history: readonly (number | null)[];
  /**
   * Path MTU discovery: the largest probe (bytes, IP header included) this hop answered, which
   * is the path MTU up to it (tracepath's `pmtu`). Absent without discovery or before a reply.
   */
  readonly pmtu?: number;
}

/** Responders kept per hop: enough for wide ECMP fans, bounded against a hostile path. */
export const MAX_RESPONDERS = 16;
/** Samples kept per hop for sparklines. */
export const HISTORY = 120;

/**
 * The fold of one hop's probe outcomes. Sums are kept with Welford's method so that a run of any
 * length costs the same memory; history is a bounded ring.
 */
export class HopStats {
  #sent = 0;
  #received = 0;
  #mean = 0;
  #m2 = 0;
  #best = Number.POSITIVE_INFINITY;
  #worst = Number.NEGATIVE_INFINITY;
  #last: number | null = null;
  #jitterSum = 0;
  #jitterCount = 0;
  #mark = '';
  #reached = false;
  #pmtu = 0;
  readonly #responders = new Map<string, { replies: number; lastMpls: readonly MplsLabel[] }>();
  #history: (number | null)[] = [];
  readonly #quantiles = new QuantileSketch(RTT_QUANTILE_ACCURACY);

  constructor(readonly ttl: number) {}

  reply(rttMs: number, responder: string, mpls: readonly MplsLabel[], mark: string, reached: boolean): void {
    this.#sent++;
    this.#received++;
    if (this.#last !== null) {
      this.#jitterSum += Math.abs(rttMs - this.#last);
      this.#jitterCount++;
    }
    this.#last = rttMs;
    const delta = rttMs - this.#mean;
    this.#mean += delta / this.#received;
    this.#m2 += delta * (rttMs - this.#mean);
    if (rttMs < this.#best) this.#best = rttMs;
    if (rttMs > this.#worst) this.#worst = rttMs;
    this.#quantiles.add(rttMs);
    if (mark) this.#mark = mark;
    if (reached) this.#reached = true;
    const r = this.#responders.get(responder);
    if (r) {
      r.replies++;
      r.lastMpls = mpls;
    } else if (this.#responders.size < MAX_RESPONDERS) {
      this.#responders.set(responder, { replies: 1, lastMpls: mpls });
    }
    this.#push(rttMs);
  }

  /** Path MTU discovery: a reply came to a probe of `size` bytes. */
  answeredAt(size: number): void {
    if (size > this.#pmtu) this.#pmtu = size;
  }

  lost(): void {
    this.#sent++;
    this.#push(null);
  }

  #push(sample: number | null): void {
    this.#history.push(sample);
    if (this.#history.length > HISTORY * 2) this.#history = this.#history.slice(-HISTORY);
  }

  /** A sketch quantile, kept inside the exact best and worst (a bin's value can lie just outside). */
  #quantile(q: number): number {
    return Math.min(this.#worst, Math.max(this.#best, this.#quantiles.quantile(q)));
  }

  /** The best RTT so far, or null: what traceroute's adaptive wait scales. */
  get best(): number | null {
    return this.#received ? this.#best : null;
  }

  snapshot(): HopSnapshot {
    const n = this.#received;
    return {
      ttl: this.ttl,
      sent: this.#sent,
      received: n,
      lossPercent: this.#sent === 0 ? 0 : ((this.#sent - n) * 100) / this.#sent,
      last: this.#last,
      avg: n ? this.#mean : null,
      best: n ? this.#best : null,
      worst: n ? this.#worst : null,
      stdev: n > 1 ? Math.sqrt(this.#m2 / (n - 1)) : n === 1 ? 0 : null,
      jitter: this.#jitterCount ? this.#jitterSum / this.#jitterCount : null,
      p50: n ? this.#quantile(0.5) : null,
      p95: n ? this.#quantile(0.95) : null,
      responders: [...this.#responders].map(([address, r]) => ({
        address,
        replies: r.replies,
        lastMpls: r.lastMpls,
      })),
      mark: this.#mark,
      reachedDestination: this.#reached,
      history: this.#history.slice(-HISTORY),
      ...(this.#pmtu > 0 && { pmtu: this.#pmtu }),
    };
  }
}
