import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IcmpEngine } from './icmp-engine.js';
import type { IcmpTargetSpec } from './icmp-target.js';
import { IntervalReporter, worseFirst } from './interval-summary.js';

const MS = 1e6;
const spec = (i: number): IcmpTargetSpec => ({
  host: `t${i}`,
  address: `198.18.0.${i}`,
  family: 4,
  intervalMs: 100,
  count: 1,
  timeoutMs: 50,
  size: 56,
});

/**
 * Runs `n` targets for one interval of 100 ms: each request answered after `rtt[i]` ms, or lost
 * where `rtt[i]` is undefined; returns the time at its end.
 */
function interval(engine: IcmpEngine, start: number, rtts: readonly (number | undefined)[]): number {
  for (let now = start; now < start + 100 * MS; now += MS) {
    engine.expire(now);
    for (const d of engine.due(now)) {
      d.target.restamp(d.seq, now);
      const rtt = rtts[d.target.slot];
      if (rtt !== undefined)
        engine.reply(d.target.slot, d.target.spec.address, d.seq & 0xffff, now + rtt * MS, 64);
    }
  }
  engine.expire(start + 200 * MS);
  return start + 100 * MS;
}

describe('IntervalReporter', () => {
  it('gives the worst k rows of the whole sorted list, and each interval its own change', () => {
    const rttOrLoss = fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.array(fc.array(rttOrLoss, { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 14 }),
        (rounds, k) => {
          const engine = new IcmpEngine();
          engine.setTargets(
            Array.from({ length: 12 }, (_, i) => spec(i)),
            0,
          );
          const few = new IntervalReporter(engine);
          const all = new IntervalReporter(engine);
          let now = 0;
          for (const rtts of rounds) {
            now = interval(engine, now, rtts);
            const top = few.take(k);
            const every = all.take(Number.POSITIVE_INFINITY);
            expect(top.worst).toEqual(every.worst.slice(0, k));
            expect(every.worst).toEqual([...every.worst].sort(worseFirst));
            expect(every.worst).toHaveLength(12);
            // This interval alone: one request per target, answered or lost as `rtts` says.
            expect(every.sent).toBe(12);
            expect(every.responses).toBe(rtts.filter((r) => r !== undefined).length);
            for (const row of every.worst) {
              const rtt = rtts[Number(row.host.slice(1))];
              expect(row.lost).toBe(rtt === undefined ? 1 : 0);
              if (rtt !== undefined) expect(row.rttMean).toBeCloseTo(rtt / 1000, 9);
            }
            expect(top).toEqual({ ...every, worst: every.worst.slice(0, k) });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
