import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CounterSnapshot, computeRates, counterDelta } from './rates.js';
import type { Counters } from './types.js';

const zero: Counters = {
  rxBytes: 0n,
  rxPackets: 0n,
  rxErrors: 0n,
  rxDropped: 0n,
  txBytes: 0n,
  txPackets: 0n,
  txErrors: 0n,
  txDropped: 0n,
};
const snap = (atMs: number, entries: [string, number, Partial<Counters>][]): CounterSnapshot => ({
  atMs,
  interfaces: new Map(entries.map(([name, index, c]) => [name, { index, counters: { ...zero, ...c } }])),
});

describe('counterDelta', () => {
  it('a 32-bit counter that wraps gives the increase across the wrap', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        (start, inc) => {
          const next = (start + inc) % 2n ** 32n;
          expect(counterDelta(start, next, 32).delta).toBe(inc);
        },
      ),
    );
  });

  it('a 64-bit counter near its top wraps; a lower one that goes back was reset', () => {
    const top = 2n ** 64n - 10n;
    expect(counterDelta(top, 5n, 64)).toEqual({ delta: 15n, kind: 'wrapped' });
    expect(counterDelta(1_000_000n, 300n, 64)).toEqual({ delta: 300n, kind: 'reset' });
    expect(counterDelta(7n, 7n, 64)).toEqual({ delta: 0n, kind: 'normal' });
  });
});

describe('computeRates', () => {
  it('bits and packets per second over the interval', () => {
    const [r] = computeRates(
      snap(1000, [['veth0', 4, { rxBytes: 1000n, txPackets: 10n }]]),
      snap(3000, [['veth0', 4, { rxBytes: 251_000n, txPackets: 30n }]]),
    );
    expect(r).toMatchObject({
      status: 'measured',
      intervalMs: 2000,
      rates: { rxBitsPerSecond: 1_000_000, txPacketsPerSecond: 10 },
    });
  });

  it('reports interfaces that appeared, vanished or were recreated, without a rate', () => {
    const out = computeRates(
      snap(0, [
        ['a', 2, {}],
        ['gone', 3, {}],
        ['b', 4, { rxBytes: 50n }],
      ]),
      snap(1000, [
        ['a', 2, { rxBytes: 10n }],
        ['b', 9, { rxBytes: 5n }],
        ['new', 10, {}],
      ]),
    );
    expect(out.map((r) => [r.name, r.status])).toEqual([
      ['a', 'measured'],
      ['b', 'recreated'],
      ['new', 'appeared'],
      ['gone', 'vanished'],
    ]);
  });

  it('refuses snapshots out of time order', () => {
    expect(() => computeRates(snap(5, []), snap(5, []))).toThrow(RangeError);
  });

  it('names wrapped and reset counters', () => {
    const before = snap(0, [['x', 1, { rxBytes: 2n ** 64n - 100n, txBytes: 500n }]]);
    const after = snap(1000, [['x', 1, { rxBytes: 100n, txBytes: 20n }]]);
    expect(computeRates(before, after, 64)[0]).toMatchObject({
      wrapped: ['rxBytes'],
      reset: ['txBytes'],
      deltas: { rxBytes: 200n, txBytes: 20n },
    });
    // A 32-bit counter has no room to tell a reset from a wrap: every decrease is a wrap.
    const [r32] = computeRates(
      snap(0, [['x', 1, { txBytes: 500n }]]),
      snap(1000, [['x', 1, { txBytes: 20n }]]),
      32,
    );
    expect(r32).toMatchObject({ wrapped: ['txBytes'], reset: [], deltas: { txBytes: 2n ** 32n - 480n } });
  });
});
