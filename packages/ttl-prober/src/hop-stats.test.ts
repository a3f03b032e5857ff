import { percentile, RTT_QUANTILE_ACCURACY } from '@netdiag/icmp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HopStats } from './hop-stats.js';

describe('HopStats percentiles', () => {
  it('gives p50 and p95 of every RTT at the hop within the sketch accuracy, inside best..worst', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 1000 }),
        (rtts) => {
          const h = new HopStats(3);
          for (const r of rtts) h.reply(r, '192.0.2.1', [], '', false);
          h.lost();
          const s = h.snapshot();
          const sorted = Float64Array.from(rtts).sort();
          for (const [q, got] of [
            [0.5, s.p50!],
            [0.95, s.p95!],
          ] as const) {
            const exact = percentile(sorted, q);
            expect(Math.abs(got - exact)).toBeLessThanOrEqual(RTT_QUANTILE_ACCURACY * exact * (1 + 1e-12));
            expect(got).toBeGreaterThanOrEqual(s.best!);
            expect(got).toBeLessThanOrEqual(s.worst!);
          }
        },
      ),
    );
  });

  it('has none before the first reply', () => {
    const h = new HopStats(1);
    h.lost();
    expect(h.snapshot()).toMatchObject({ p50: null, p95: null });
  });
});
