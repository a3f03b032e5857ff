import { QuantileSketch } from './quantile-sketch.js';

/** Round-trip statistics of one target, in milliseconds. */
export interface RttSummary {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** iputils' mdev: the population standard deviation, sqrt(mean(rtt²) − mean(rtt)²). */
  readonly mdev: number;
  /**
   * Median and 95th percentile (nearest rank) over the whole run, from a `QuantileSketch`: each
   * within `RTT_QUANTILE_ACCURACY` (1 %) of the exact value, in memory that does not grow.
   */
  readonly p50: number;
  readonly p95: number;
  /** Mean absolute difference between consecutive RTTs (RFC 3550's jitter without smoothing). */
  readonly jitter: number;
}

/** The relative error of RttSummary's p50 and p95: ±1 % of the exact percentile. */
export const RTT_QUANTILE_ACCURACY = QuantileSketch.DEFAULT_RELATIVE_ACCURACY;

/**
 * A fold over RTT samples. Sums are kept with Welford's method (stable for long runs, the same
 * value as iputils' sum-of-squares formula), so min, avg, max, mdev and jitter are exact; the
 * percentiles come from a quantile sketch. Memory does not grow with the length of the run.
 */
export class RttStats {
  #count = 0;
  #mean = 0;
  #m2 = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #jitterSum = 0;
  #previous: number | undefined;
  readonly #quantiles = new QuantileSketch(RTT_QUANTILE_ACCURACY);

  add(rttMs: number): void {
    this.#count++;
    const delta = rttMs - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (rttMs - this.#mean);
    if (rttMs < this.#min) this.#min = rttMs;
    if (rttMs > this.#max) this.#max = rttMs;
    if (this.#previous !== undefined) this.#jitterSum += Math.abs(rttMs - this.#previous);
    this.#previous = rttMs;
    this.#quantiles.add(rttMs);
  }

  get count(): number {
    return this.#count;
  }

  summary(): RttSummary | null {
    if (this.#count === 0) return null;
    // A sketch's bin value can lie just outside the samples' range: never report past it.
    const clamp = (x: number) => Math.min(this.#max, Math.max(this.#min, x));
    return {
      min: this.#min,
      avg: this.#mean,
      max: this.#max,
      mdev: Math.sqrt(Math.max(0, this.#m2 / this.#count)),
      p50: clamp(this.#quantiles.quantile(0.5)),
      p95: clamp(this.#quantiles.quantile(0.95)),
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
