import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, findRange, parseCsvLine } from './csv-ranges.js';

const encode = (text: string) => new TextEncoder().encode(text);

/** Sorted, disjoint ranges with gaps, as the data sets' files are. */
const rangesArb = fc
  .uniqueArray(fc.bigInt({ min: 0n, max: 1n << 40n }), { minLength: 0, maxLength: 60 })
  .map((points) => {
    const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const ranges: [bigint, bigint][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) ranges.push([sorted[i]!, sorted[i + 1]!]);
    return ranges;
  });

const csvOf = (ranges: [bigint, bigint][], names: string[]) =>
  ranges.map(([s, e], i) => `${s},${e},${i},"${names[i % names.length]!.replace(/"/g, '""')}"\n`).join('');

describe('findRange', () => {
  it('finds what a linear scan finds, for every probe value', () => {
    fc.assert(
      fc.property(
        rangesArb,
        fc.array(fc.string({ maxLength: 700 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 40n) + 5n }), { maxLength: 20 }),
        (ranges, names, values) => {
          const src = bufferSource(encode(csvOf(ranges, names)));
          const probes = [...values, ...ranges.flatMap(([s, e]) => [s, e, s - 1n, e + 1n])];
          for (const v of probes) {
            const i = ranges.findIndex(([s, e]) => s <= v && v <= e);
            const found = findRange(src, v);
            if (i < 0) expect(found).toBeUndefined();
            else {
              expect(found?.start).toBe(ranges[i]![0]);
              expect(found?.fields).toEqual([String(i), names[i % names.length]]);
            }
          }
        },
      ),
    );
  });

  it('answers nothing from an empty or mangled file', () => {
    expect(findRange(bufferSource(new Uint8Array()), 5n)).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.bigInt({ min: 0n, max: 1n << 128n }), (bytes, v) => {
        const r = findRange(bufferSource(bytes), v);
        if (r !== undefined) expect(r.start <= v && v <= r.end).toBe(true);
      }),
    );
  });

  it('reads a last line with no newline, and CRLF files', () => {
    const src = bufferSource(encode('1,5,7,a\r\n10,20,8,b'));
    expect(findRange(src, 15n)?.fields).toEqual(['8', 'b']);
    expect(findRange(src, 3n)?.fields).toEqual(['7', 'a']);
    expect(findRange(src, 7n)).toBeUndefined();
  });
});

describe('parseCsvLine', () => {
  it('unquotes as RFC 4180 does', () => {
    expect(parseCsvLine('1,2,13335,"Cloudflare, Inc."')).toEqual(['1', '2', '13335', 'Cloudflare, Inc.']);
    expect(parseCsvLine('1,2,3,"say ""hi""",x')).toEqual(['1', '2', '3', 'say "hi"', 'x']);
    expect(parseCsvLine('a,,b')).toEqual(['a', '', 'b']);
    expect(parseCsvLine('"open')).toEqual(['open']);
  });
});
