/** Round-trip statistics of one target, in milliseconds. */
export interface RttSummary {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** iputils' mdev: the population standard deviation, sqrt(mean(rtt²) − mean(rtt)²). */
  readonly mdev: number;
  /** Median and 95th percentile over the most recent `PERCENTILE_WINDOW` replies. */
  readonly p50: number;
  readonly p95: number;
  /** Mean absolute difference between consecutive RTTs (RFC 3550's jitter without smoothing). */
  readonly jitter: number;
}

/** How many recent RTTs percentiles are taken over: exact for runs up to this, bounded memory after. */
export const PERCENTILE_WINDOW = 65_536;

/**
 * A fold over RTT samples. Sums are kept with Welford's method (stable for long runs, the same
 * value as iputils' sum-of-squares formula) and percentiles over a fixed ring of recent samples,
 * so memory does not grow with the length of the run.
 */
export class RttStats {
  #count = 0;
  #mean = 0;
  #m2 = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #jitterSum = 0;
  #previous: number | undefined;
  readonly #ring = new Float64Array(PERCENTILE_WINDOW);
  #ringNext = 0;

  add(rttMs: number): void {
    this.#count++;
    const delta = rttMs - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (rttMs - this.#mean);
    if (rttMs < this.#min) this.#min = rttMs;
    if (rttMs > this.#max) this.#max = rttMs;
    if (this.#previous !== undefined) this.#jitterSum += Math.abs(rttMs - this.#previous);
    this.#previous = rttMs;
    this.#ring[this.#ringNext % PERCENTILE_WINDOW] = rttMs;
    this.#ringNext++;
  }

  get count(): number {
    return this.#count;
  }

  summary(): RttSummary | null {
    if (this.#count === 0) return null;
    const window = this.#ring.slice(0, Math.min(this.#ringNext, PERCENTILE_WINDOW)).sort();
    return {
      min: this.#min,
      avg: this.#mean,
      max: this.#max,
      mdev: Math.sqrt(Math.max(0, this.#m2 / this.#count)),
      p50: percentile(window, 0.5),
      p95: percentile(window, 0.95),
      jitter: this.#count > 1 ? this.#jitterSum / (this.#count - 1) : 0,
    };
  }
}

/** Nearest-rank percentile of sorted samples (the value below which `q` of them fall). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}
