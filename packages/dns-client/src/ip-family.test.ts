import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily } from './ip-family.js';

describe('ipFamily', () => {
  it("answers as node:net's isIP, on addresses, zones and mangled text", () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended());
    const zoned = fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([a, z]) => `${a}%${z}`);
    const mangled = fc
      .tuple(
        fc.oneof(address, zoned),
        fc.nat(45),
        fc.constantFrom('', '%', ':', '.', 'x', '0', '::', ' ', '-', '_'),
      )
      .map(
        ([t, at, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + 1),
      );
    fc.assert(
      fc.property(fc.oneof(address, zoned, mangled), (text) => {
        expect(ipFamily(text), text).toBe(isIP(text));
      }),
      { numRuns: 5000 },
    );
  });
});
