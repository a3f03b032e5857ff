/**
 * A DDSketch (Masson, Rim, Lee, VLDB 2019): quantiles of a stream of positive values in bounded
 * memory, each within a stated relative error of the exact nearest-rank quantile.
 *
 * Values fall into logarithmic bins: bin i holds (γ^(i−1), γ^i] with γ = (1 + α) / (1 − α), and
 * reports 2γ^i / (γ + 1), which is within α (relative) of every value in the bin. Bins are ordered
 * like their values, so the bin holding the k-th smallest sample is found by counting, and its
 * value is within α of that sample: the guarantee holds for every quantile and every input order.
 *
 * Memory: one counter per occupied bin. Values are clamped to [MIN_VALUE, MAX_VALUE] (1 ns to
 * 11.6 days, in milliseconds), so with the default α = 1 % there are never more than 1,728 bins,
 * however long the run; in practice an RTT distribution occupies a few dozen. Below MIN_VALUE a
 * value counts as zero (an absolute error under 1 ns), above MAX_VALUE as MAX_VALUE.
 */
export class QuantileSketch {
  /** The smallest value given a bin of its own; anything smaller counts as 0. */
  static readonly MIN_VALUE = 1e-6;
  /** The largest value given a bin of its own; anything larger counts as this. */
  static readonly MAX_VALUE = 1e9;
  /** The default relative accuracy: each quantile within ±1 % of the exact one. */
  static readonly DEFAULT_RELATIVE_ACCURACY = 0.01;

  readonly relativeAccuracy: number;
  readonly #gamma: number;
  readonly #logGamma: number;
  readonly #bins = new Map<number, number>();
  #zeros = 0;
  #count = 0;
  /** Bin indexes in ascending order, rebuilt only when a query follows a new bin. */
  #sortedKeys: number[] | undefined;

  constructor(relativeAccuracy = QuantileSketch.DEFAULT_RELATIVE_ACCURACY) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
      throw new RangeError(`relative accuracy must be between 0 and 1, not ${relativeAccuracy}`);
    this.relativeAccuracy = relativeAccuracy;
    this.#gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.#logGamma = Math.log(this.#gamma);
  }

  /** Adds one sample. NaN is refused: it has no rank. */
  add(value: number): void {
    if (Number.isNaN(value)) throw new RangeError('a quantile sketch cannot rank NaN');
    this.#count++;
    if (value < QuantileSketch.MIN_VALUE) {
      this.#zeros++;
      return;
    }
    const key = Math.ceil(Math.log(Math.min(value, QuantileSketch.MAX_VALUE)) / this.#logGamma);
    const n = this.#bins.get(key);
    if (n === undefined) {
      this.#bins.set(key, 1);
      this.#sortedKeys = undefined;
    } else this.#bins.set(key, n + 1);
  }

  get count(): number {
    return this.#count;
  }

  /** Occupied bins: the sketch's memory, in counters. */
  get binCount(): number {
    return this.#bins.size + (this.#zeros > 0 ? 1 : 0);
  }

  /**
   * The nearest-rank `q`-quantile (0 ≤ q ≤ 1: the value below which `q` of the samples fall),
   * within `relativeAccuracy` of the exact one; NaN when empty.
   */
  quantile(q: number): number {
    if (this.#count === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil(q * this.#count)));
    if (rank <= this.#zeros) return 0;
    this.#sortedKeys ??= [...this.#bins.keys()].sort((a, b) => a - b);
    let seen = this.#zeros;
    for (const key of this.#sortedKeys) {
      seen += this.#bins.get(key)!;
      if (seen >= rank) return (2 * this.#gamma ** key) / (this.#gamma + 1);
    }
    // Unreachable: the bins hold every non-zero sample.
    return Number.NaN;
  }

  /** Adds another sketch's samples (same accuracy), as if they had been added here. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy)
      throw new RangeError('only sketches of the same relative accuracy merge');
    for (const [key, n] of other.#bins) {
      if (!this.#bins.has(key)) this.#sortedKeys = undefined;
      this.#bins.set(key, (this.#bins.get(key) ?? 0) + n);
    }
    this.#zeros += other.#zeros;
    this.#count += other.#count;
  }
}
