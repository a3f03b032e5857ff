import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressBytes, addressFamily } from './address.js';

describe('addressFamily', () => {
  it('answers as node:net isIP for addresses of both families, zones and near misses', () => {
    const zone = fc.stringMatching(/^%[a-z0-9.]{0,8}$/);
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.tuple(fc.ipV6(), zone).map(([a, z]) => a + z),
      fc
        .tuple(fc.ipV4(), fc.integer({ min: 0, max: 20 }), fc.constantFrom('0', '.', ':', 'x', '1', ' '))
        .map(([a, i, c]) => a.slice(0, i) + c + a.slice(i)),
      fc
        .tuple(fc.ipV6(), fc.integer({ min: 0, max: 40 }), fc.constantFrom(':', '::', 'g', '0', '.', '%'))
        .map(([a, i, c]) => a.slice(0, i) + c + a.slice(i + 1)),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.%'), maxLength: 45 }),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(addressFamily(t)).toBe(isIP(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with addressBytes: what it calls an address parses to 4 or 16 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (t) => {
        expect(addressBytes(t).length).toBe(addressFamily(t) === 4 ? 4 : 16);
      }),
    );
  });
});
