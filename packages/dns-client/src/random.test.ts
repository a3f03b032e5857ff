import { describe, expect, it } from 'vitest';
import { randomBelow, randomUint16 } from './random.js';

describe('random query IDs', () => {
  it('are 16-bit, and 20,000 of them spread over the range as uniform draws do', () => {
    const bins = new Array<number>(16).fill(0);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const v = randomUint16();
      expect(Number.isInteger(v) && v >= 0 && v < 0x10000).toBe(true);
      bins[v >> 12]!++;
      seen.add(v);
    }
    // 1,250 expected per bin; a uniform source falls outside ±250 with probability under 1e-11.
    for (const n of bins) expect(Math.abs(n - 1250)).toBeLessThan(250);
    // 20,000 draws from 65,536 values: about 17,400 distinct; a stuck or short source gives far fewer.
    expect(seen.size).toBeGreaterThan(16_500);
  });

  it('randomBelow(n) stays in [0, n) and reaches every value', () => {
    for (const n of [1, 2, 3, 7, 65_536]) {
      const hit = new Set<number>();
      for (let i = 0; i < 2_000; i++) {
        const v = randomBelow(n);
        expect(v >= 0 && v < n).toBe(true);
        hit.add(v);
      }
      if (n <= 7) expect(hit.size).toBe(n);
    }
    expect(() => randomBelow(0)).toThrow(RangeError);
    expect(() => randomBelow(65_537)).toThrow(RangeError);
  });
});
