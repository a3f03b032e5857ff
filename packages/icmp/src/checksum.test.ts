import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internetChecksum, onesComplementSum, pseudoHeaderSum } from './checksum.js';

describe('RFC 1071 checksum', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(onesComplementSum(bytes)).toBe(0xddf2);
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(Uint8Array.from([0xab]))).toBe(internetChecksum(Uint8Array.from([0xab, 0x00])));
  });

  it('verifies to zero once the checksum is written into the data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 1500 }), (data) => {
        const copy = data.slice();
        copy[2] = 0;
        copy[3] = 0;
        const sum = internetChecksum(copy);
        copy[2] = sum >> 8;
        copy[3] = sum & 0xff;
        expect(internetChecksum(copy)).toBe(0);
      }),
    );
  });

  it('equals a naive word-by-word sum with end-around carry at every step', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        let sum = 0;
        for (let i = 0; i < data.length; i += 2) {
          sum += (data[i]! << 8) | (data[i + 1] ?? 0);
          sum = (sum & 0xffff) + (sum >>> 16);
        }
        expect(onesComplementSum(data)).toBe(sum);
      }),
    );
  });

  it('adds the IPv6 pseudo-header length as a 32-bit value', () => {
    const src = new Uint8Array(16);
    const dst = new Uint8Array(16);
    expect(pseudoHeaderSum(src, dst, 58, 0x10004)).toBe(58 + 1 + 4);
  });
});
