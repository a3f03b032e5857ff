import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantileSketch } from './quantile-sketch.js';

/** The exact nearest-rank quantile: what the sketch approximates. */
function exact(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

const within = (got: number, want: number, alpha: number) =>
  want < QuantileSketch.MIN_VALUE ? got === 0 : Math.abs(got - want) <= alpha * want * (1 + 1e-12);

describe('QuantileSketch', () => {
  it('gives every quantile within its relative accuracy of the exact nearest-rank one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.001, 0.01, 0.05),
        (samples, q, alpha) => {
          const s = new QuantileSketch(alpha);
          for (const x of samples) s.add(x);
          expect(s.count).toBe(samples.length);
          for (const p of [q, 0, 0.5, 0.95, 1]) {
            const got = s.quantile(p);
            const want = exact(samples, p);
            if (!within(got, want, alpha)) expect.fail(`q=${p}: ${got} is not within ${alpha} of ${want}`);
          }
        },
      ),
    );
  });

  it('does not depend on the order the samples came in', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1e4, noNaN: true }), { minLength: 1 }), (samples) => {
        const a = new QuantileSketch();
        const b = new QuantileSketch();
        for (const x of samples) a.add(x);
        for (const x of [...samples].reverse()) b.add(x);
        for (const q of [0.01, 0.5, 0.9, 0.99]) expect(a.quantile(q)).toBe(b.quantile(q));
      }),
    );
  });

  it('merges as if every sample had been added to one sketch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true })),
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true })),
        (xs, ys) => {
          const a = new QuantileSketch();
          const b = new QuantileSketch();
          const all = new QuantileSketch();
          for (const x of xs) {
            a.add(x);
            all.add(x);
          }
          for (const y of ys) {
            b.add(y);
            all.add(y);
          }
          a.merge(b);
          expect(a.count).toBe(all.count);
          for (const q of [0, 0.5, 0.95, 1]) expect(a.quantile(q)).toEqual(all.quantile(q));
        },
      ),
    );
  });

  it('keeps bounded memory: never more bins than its value range allows, however many samples', () => {
    const s = new QuantileSketch();
    const alpha = s.relativeAccuracy;
    const lg = Math.log((1 + alpha) / (1 - alpha));
    const bound =
      Math.ceil(Math.log(QuantileSketch.MAX_VALUE) / lg) -
      Math.ceil(Math.log(QuantileSketch.MIN_VALUE) / lg) +
      2;
    // Every power of 1.001 from 1e-9 to 1e12: far more distinct values than bins.
    for (let x = 1e-9; x < 1e12; x *= 1.001) s.add(x);
    expect(s.count).toBeGreaterThan(40_000);
    expect(s.binCount).toBeLessThanOrEqual(bound);
    expect(bound).toBe(1729); // 1,728 bins plus the zero bin, as the class comment says
  });

  it('clamps what lies outside its range, and refuses NaN', () => {
    const s = new QuantileSketch();
    s.add(0);
    s.add(1e-9);
    s.add(Number.POSITIVE_INFINITY);
    expect(s.quantile(0)).toBe(0);
    expect(s.quantile(0.5)).toBe(0);
    expect(Math.abs(s.quantile(1) - QuantileSketch.MAX_VALUE)).toBeLessThanOrEqual(
      0.01 * QuantileSketch.MAX_VALUE,
    );
    expect(() => s.add(Number.NaN)).toThrow(RangeError);
    expect(new QuantileSketch().quantile(0.5)).toBeNaN();
    expect(() => new QuantileSketch(0)).toThrow(RangeError);
  });
});
