import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes, randomInt } from './random.js';

describe('random', () => {
  it('randomInt stays in [min, max) for any range up to 2^32', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
        fc.integer({ min: 1, max: 2 ** 32 }),
        (min, range) => {
          const x = randomInt(min, min + range);
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(min);
          expect(x).toBeLessThan(min + range);
        },
      ),
    );
  });

  it('randomInt reaches every value of a small range, each about equally often', () => {
    // 60,000 draws over 6 values: each count is 10,000 ± 100 (σ ≈ 91); ±600 is beyond 6σ.
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[randomInt(10, 16) - 10]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('randomBytes gives fresh bytes across pool refills, and rejects bad ranges', () => {
    const a = randomBytes(1000);
    const b = randomBytes(1000);
    expect(a.length).toBe(1000);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    // Every byte value turns up in 64 KiB of random bytes (a stuck or zeroed pool would not).
    expect(new Set(randomBytes(65_536)).size).toBe(256);
    expect(() => randomInt(5, 5)).toThrow(RangeError);
    expect(() => randomInt(0, 2 ** 32 + 1)).toThrow(RangeError);
    expect(() => randomInt(0.5, 3)).toThrow(RangeError);
  });
});
