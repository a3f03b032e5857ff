import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CounterSnapshot } from './rates.js';
import { RingBuffer } from './ring-buffer.js';
import { InterfaceSampler } from './sampler.js';
import { type Counters, counterNames } from './types.js';

const counters = (rxBytes: bigint): Counters =>
  Object.fromEntries(counterNames.map((c) => [c, c === 'rxBytes' ? rxBytes : 0n])) as unknown as Counters;
const snap = (atMs: number, ifs: Record<string, bigint>): CounterSnapshot => ({
  atMs,
  interfaces: new Map(Object.entries(ifs).map(([n, b]) => [n, { index: 1, counters: counters(b) }])),
});

describe('RingBuffer', () => {
  it('holds the last `capacity` items, oldest first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer(), { maxLength: 100 }),
        (cap, items) => {
          const rb = new RingBuffer<number>(cap);
          for (const i of items) rb.push(i);
          expect(rb.toArray()).toEqual(items.slice(Math.max(0, items.length - cap)));
          expect(rb.length).toBe(Math.min(cap, items.length));
          expect(rb.last()).toBe(items.at(-1));
        },
      ),
    );
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('InterfaceSampler', () => {
  it('keeps a bounded history per interface and forgets vanished ones', () => {
    const s = new InterfaceSampler({ historyLength: 3 });
    expect(s.push(snap(0, { eth0: 0n }))).toEqual([{ name: 'eth0', status: 'appeared' }]);
    for (let t = 1; t <= 5; t++) s.push(snap(t * 1000, { eth0: BigInt(t * 125) }));
    const h = s.history('eth0');
    expect(h.map((p) => p.atMs)).toEqual([3000, 4000, 5000]);
    expect(h.every((p) => p.rates.rxBitsPerSecond === 1000)).toBe(true);
    s.push(snap(6000, { eth1: 0n }));
    expect(s.history('eth0')).toEqual([]);
    expect(s.history('eth1')).toEqual([]);
  });
});
