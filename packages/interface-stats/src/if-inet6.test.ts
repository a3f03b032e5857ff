import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv6, IfInet6ParseError, parseIfInet6 } from './if-inet6.js';

const hexGroups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8,
});
const toHex = (groups: number[]) => groups.map((g) => g.toString(16).padStart(4, '0')).join('');

describe('formatIpv6', () => {
  it('agrees with the WHATWG URL serializer (RFC 5952 compression) outside the dotted forms', () => {
    fc.assert(
      fc.property(hexGroups, (groups) => {
        const dotted =
          groups.slice(0, 5).every((g) => g === 0) &&
          (groups[5] === 0xffff || (groups[5] === 0 && groups[6] !== 0));
        fc.pre(!dotted);
        const viaUrl = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(
          1,
          -1,
        );
        expect(formatIpv6(toHex(groups))).toBe(viaUrl);
      }),
    );
  });

  it('writes IPv4-mapped and -compatible addresses with a dotted quad, as inet_ntop does', () => {
    expect(formatIpv6('00000000000000000000ffffc0000201')).toBe('::ffff:192.0.2.1');
    expect(formatIpv6('000000000000000000000000c0000201')).toBe('::192.0.2.1');
    expect(formatIpv6('00000000000000000000000000000001')).toBe('::1');
    expect(formatIpv6('00000000000000000000000000000000')).toBe('::');
  });
});

describe('parseIfInet6', () => {
  it('reads address, index, prefix, scope and flags', () => {
    const text = [
      '20010db8000200000000000000000001 05 40 00 c0    vdown',
      'fe8000000000000024e6f9fffeab5441 03 40 20 80      vfa',
      '00000000000000000000000000000001 01 80 10 80       lo',
      '20010db8000100000000000000000010 03 40 00 82      vfa',
      '',
    ].join('\n');
    expect(parseIfInet6(text)).toEqual([
      {
        ifindex: 5,
        ifname: 'vdown',
        address: {
          family: 'inet6',
          address: '2001:db8:2::1',
          prefixLength: 64,
          scope: 'global',
          flags: ['tentative', 'permanent'],
        },
      },
      {
        ifindex: 3,
        ifname: 'vfa',
        address: {
          family: 'inet6',
          address: 'fe80::24e6:f9ff:feab:5441',
          prefixLength: 64,
          scope: 'link',
          flags: ['permanent'],
        },
      },
      {
        ifindex: 1,
        ifname: 'lo',
        address: { family: 'inet6', address: '::1', prefixLength: 128, scope: 'host', flags: ['permanent'] },
      },
      {
        ifindex: 3,
        ifname: 'vfa',
        address: {
          family: 'inet6',
          address: '2001:db8:1::10',
          prefixLength: 64,
          scope: 'global',
          flags: ['nodad', 'permanent'],
        },
      },
    ]);
  });

  it('fails only with IfInet6ParseError on random or mutated text', () => {
    const good = '20010db8000100000000000000000010 03 40 00 82      vfa\n';
    const mutated = fc
      .tuple(fc.nat(good.length - 1), fc.string({ minLength: 0, maxLength: 3 }))
      .map(([at, s]) => good.slice(0, at) + s + good.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated), (text) => {
        try {
          for (const e of parseIfInet6(text)) {
            expect(e.address.prefixLength).toBeLessThanOrEqual(128);
            expect(Number.isInteger(e.ifindex)).toBe(true);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(IfInet6ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
