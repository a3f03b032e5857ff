/**
 * A Prometheus histogram with fixed buckets: a count per bucket (not cumulative: one increment
 * per observation), the sum and the count. Memory is fixed whatever the run's length.
 */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** `counts`: zeroed room for one count per bound (a view into a larger array), or a new array. */
  constructor(
    readonly bounds: readonly number[],
    counts?: Float64Array,
  ) {
    if (counts && counts.length !== bounds.length) throw new RangeError('one count per bound');
    this.counts = counts ?? new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const b = this.bounds;
    // Linear from the bottom: RTTs and delays sit in the first few buckets.
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** Cumulative counts per bucket, as the exposition writes them (le="+Inf" is `count`). */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (const c of this.counts) {
      running += c;
      out.push(running);
    }
    return out;
  }

  /**
   * The q-quantile as Prometheus's histogram_quantile estimates it: linear within the bucket
   * that holds it, from 0 for the first; NaN without observations; the highest bound when it
   * falls in +Inf.
   */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      const inBucket = this.counts[i]!;
      if (below + inBucket >= rank && inBucket > 0) {
        const lower = i === 0 ? 0 : this.bounds[i - 1]!;
        return lower + ((this.bounds[i]! - lower) * (rank - below)) / inBucket;
      }
      below += inBucket;
    }
    return this.bounds[this.bounds.length - 1] ?? Number.NaN;
  }
}
