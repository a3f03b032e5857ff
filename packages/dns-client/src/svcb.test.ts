import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsError } from './errors.js';
import { decodeSvcb, encodeSvcb, presentSvcb, type SvcbData, type SvcParam } from './svcb.js';

const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
const target = fc.oneof(
  fc.constant('.'),
  fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => `${l.join('.')}.`),
);
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.ipV6().map((a) => a);

const param: fc.Arbitrary<SvcParam> = fc.oneof(
  fc
    .uniqueArray(fc.integer({ min: 1, max: 65534 }), { minLength: 1, maxLength: 4 })
    .map((k) => ({ key: 'mandatory' as const, keys: [...k].sort((a, b) => a - b) })),
  fc
    .array(bytes(1, 10), { minLength: 1, maxLength: 3 })
    .map((protocols) => ({ key: 'alpn' as const, protocols })),
  fc.constant({ key: 'no-default-alpn' as const }),
  fc.nat(65535).map((port) => ({ key: 'port' as const, port })),
  fc
    .array(ipv4, { minLength: 1, maxLength: 3 })
    .map((addresses) => ({ key: 'ipv4hint' as const, addresses })),
  bytes(0, 30).map((config) => ({ key: 'ech' as const, config })),
  fc
    .array(ipv6, { minLength: 1, maxLength: 2 })
    .map((addresses) => ({ key: 'ipv6hint' as const, addresses })),
  bytes(1, 20).map((template) => ({ key: 'dohpath' as const, template })),
  fc
    .record({ code: fc.integer({ min: 8, max: 65534 }), value: bytes(0, 12) })
    .map(({ code, value }) => ({ key: 'unknown' as const, code, value })),
);

function code(p: SvcParam): number {
  return p.key === 'unknown'
    ? p.code
    : ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint', 'dohpath'].indexOf(
        p.key,
      );
}

const svcb: fc.Arbitrary<SvcbData> = fc.oneof(
  fc.record({ priority: fc.constant(0), target, params: fc.constant([]) }),
  fc.record({
    priority: fc.integer({ min: 1, max: 65535 }),
    target,
    params: fc
      .uniqueArray(param, { selector: code, maxLength: 6 })
      .map((ps) => ps.sort((a, b) => code(a) - code(b))),
  }),
);

/** IPv6 addresses compare by value (fast-check's text may not be the canonical form). */
function canonical(v: SvcbData): SvcbData {
  return decodeSvcb(encodeSvcb(v)).value;
}

describe('SVCB/HTTPS codec (RFC 9460)', () => {
  it('decode(encode(v)) is v, and reads every byte', () => {
    fc.assert(
      fc.property(svcb, (v) => {
        const wire = encodeSvcb(v);
        const { value, bytesRead } = decodeSvcb(wire);
        expect(bytesRead).toBe(wire.length);
        expect(encodeSvcb(value)).toEqual(wire);
        const expected = canonical(v);
        expect(value).toEqual(expected);
        expect(value.priority).toBe(v.priority);
        expect(value.target).toBe(v.target);
      }),
    );
  });

  it('random and mutated RDATA give a value or a DnsError, nothing else', () => {
    const mutated = fc
      .tuple(svcb, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(64))
      .map(([v, flips, cut]) => {
        const w = Uint8Array.from(encodeSvcb(v));
        for (const [at, b] of flips) if (w.length) w[at % w.length] = b;
        return w.subarray(0, Math.max(0, w.length - cut));
      });
    fc.assert(
      fc.property(fc.oneof(bytes(0, 80), mutated), (w) => {
        try {
          const { value } = decodeSvcb(w);
          presentSvcb(value);
        } catch (err) {
          expect(err).toBeInstanceOf(DnsError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('presents as dig does', () => {
    const v: SvcbData = {
      priority: 1,
      target: '.',
      params: [
        { key: 'mandatory', keys: [1, 3] },
        { key: 'alpn', protocols: [Buffer.from('h2'), Buffer.from('h3')] },
        { key: 'port', port: 8443 },
        { key: 'ipv4hint', addresses: ['192.0.2.10', '192.0.2.11'] },
        { key: 'ipv6hint', addresses: ['2001:db8::10'] },
      ],
    };
    expect(presentSvcb(v)).toBe(
      '1 . mandatory=alpn,port alpn="h2,h3" port=8443 ipv4hint=192.0.2.10,192.0.2.11 ipv6hint=2001:db8::10',
    );
    // The RFC 9460 D.2 test vector "key667=hello\210qoo" with unknown key and an escaped byte.
    const vector = Buffer.from(
      `000100029b0009${Buffer.from('hello\xd2qoo', 'latin1').toString('hex')}`,
      'hex',
    );
    expect(presentSvcb(decodeSvcb(vector).value)).toBe('1 . key667="hello\\210qoo"');
  });

  it('rejects keys out of order and bad lengths', () => {
    const outOfOrder = Buffer.from(
      '0001' + '00' + '0003' + '0002' + '01bb' + '0001' + '0003' + '026832',
      'hex',
    );
    expect(() => decodeSvcb(outOfOrder)).toThrow(/increasing/);
    const badPort = Buffer.from('0001' + '00' + '0003' + '0001' + '01', 'hex');
    expect(() => decodeSvcb(badPort)).toThrow(/port/);
  });
});
