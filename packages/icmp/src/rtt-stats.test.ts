import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, RTT_QUANTILE_ACCURACY, RttStats } from './rtt-stats.js';

/** iputils ping's own formulas, computed the brute-force way from the raw samples. */
function bruteForce(samples: number[]) {
  const n = samples.length;
  const sum = samples.reduce((a, b) => a + b, 0);
  const sum2 = samples.reduce((a, b) => a + b * b, 0);
  const avg = sum / n;
  const sorted = [...samples].sort((a, b) => a - b);
  let jitter = 0;
  for (let i = 1; i < n; i++) jitter += Math.abs(samples[i]! - samples[i - 1]!);
  return {
    min: sorted[0],
    max: sorted[n - 1],
    avg,
    mdev: Math.sqrt(Math.max(0, sum2 / n - avg * avg)),
    p50: sorted[Math.ceil(0.5 * n) - 1],
    p95: sorted[Math.ceil(0.95 * n) - 1],
    jitter: n > 1 ? jitter / (n - 1) : 0,
  };
}

describe('RttStats', () => {
  it('equals iputils min/avg/max/mdev and jitter exactly, and the percentiles within the sketch accuracy', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 5000, noNaN: true }), { minLength: 1, maxLength: 500 }),
        (samples) => {
          const s = new RttStats();
          for (const x of samples) s.add(x);
          const got = s.summary()!;
          const want = bruteForce(samples);
          expect(got.min).toBe(want.min);
          expect(got.max).toBe(want.max);
          expect(Math.abs(got.p50 - want.p50!)).toBeLessThanOrEqual(
            RTT_QUANTILE_ACCURACY * want.p50! * (1 + 1e-12),
          );
          expect(Math.abs(got.p95 - want.p95!)).toBeLessThanOrEqual(
            RTT_QUANTILE_ACCURACY * want.p95! * (1 + 1e-12),
          );
          expect(got.p50).toBeGreaterThanOrEqual(want.min!);
          expect(got.p95).toBeLessThanOrEqual(want.max!);
          expect(got.avg).toBeCloseTo(want.avg, 6);
          expect(got.mdev).toBeCloseTo(want.mdev, 3);
          expect(got.jitter).toBeCloseTo(want.jitter, 6);
        },
      ),
    );
  });

  it('matches a worked iputils example: 10, 20, 30 ms -> avg 20, mdev 8.165', () => {
    const s = new RttStats();
    for (const x of [10, 20, 30]) s.add(x);
    const r = s.summary()!;
    expect(r.avg).toBe(20);
    expect(r.mdev.toFixed(3)).toBe('8.165');
    expect(r.jitter).toBe(10);
  });

  it('has no summary before the first reply', () => {
    expect(new RttStats().summary()).toBeNull();
  });

  it('takes percentiles over the whole run, not a recent window', () => {
    const s = new RttStats();
    // 95,000 fast replies then 5,000 slow ones: the 95th percentile is the last fast one.
    for (let i = 0; i < 95_000; i++) s.add(1);
    for (let i = 0; i < 5_000; i++) s.add(1000);
    const r = s.summary()!;
    expect(Math.abs(r.p95 - 1)).toBeLessThanOrEqual(RTT_QUANTILE_ACCURACY);
    expect(r.p50).toBeLessThanOrEqual(1 + RTT_QUANTILE_ACCURACY);
    expect(r.max).toBe(1000);
    expect(s.count).toBe(100_000);
  });

  it('uses the nearest-rank percentile', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
