import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeControl, escapeName, quoteCharacterString } from './escape.js';
import { canonicalName } from './message.js';
import { decodeTypeBitmap } from './records.js';
import { parseResolvConf, searchCandidates } from './resolv-conf.js';
import { reverseName } from './reverse.js';
import { FrameReader, frame } from './transport/frames.js';

describe('escaping as dig does', () => {
  it('escapes control bytes, quotes and backslashes', () => {
    expect(quoteCharacterString(Buffer.from('bell\x07tab\tq"b\\;', 'latin1'))).toBe(
      '"bell\\007tab\\009q\\"b\\\\;"',
    );
    expect(quoteCharacterString(Uint8Array.of(0x80, 0xff))).toBe('"\\128\\255"');
    expect(escapeName('weird\x07name.netdiag.test')).toBe('weird\\007name.netdiag.test');
    expect(escapeName('a"b(c).test')).toBe('a\\"b\\(c\\).test');
    expect(escapeControl('x\x1b[31my')).toBe('x\\027[31my');
  });

  it('never lets a control character through', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.string({ maxLength: 40 }), (bytes, text) => {
        const control = /[\u0000-\u001f\u007f-\u009f]/;
        expect(quoteCharacterString(bytes)).not.toMatch(control);
        expect(escapeName(text)).not.toMatch(control);
        expect(escapeControl(text)).not.toMatch(control);
      }),
    );
  });

  it('canonical names keep escapes and add the root dot', () => {
    expect(canonicalName('www.netdiag.test')).toBe('www.netdiag.test.');
    expect(canonicalName('a\\.b.test.')).toBe('a\\.b.test.');
    expect(canonicalName('x\\007y.test')).toBe('x\\007y.test.');
    expect(canonicalName('.')).toBe('.');
    expect(() => canonicalName('a..b')).toThrow(/empty label/);
    expect(() => canonicalName(`${'a'.repeat(64)}.test`)).toThrow(/63/);
  });
});

describe('resolv.conf', () => {
  it('reads nameservers in order, search, options, with glibc limits', () => {
    const conf = parseResolvConf(
      [
        '# comment',
        'nameserver 192.0.2.1',
        'nameserver 2001:db8::53',
        'nameserver not-an-address',
        'nameserver 192.0.2.2 ; trailing comment',
        'nameserver 192.0.2.3',
        'domain first.test',
        'search a.test b.test.',
        'options ndots:3 timeout:2 attempts:9 rotate edns0',
        'options ndots:99',
      ].join('\n'),
    );
    expect(conf.nameservers).toEqual(['192.0.2.1', '2001:db8::53', '192.0.2.2']);
    expect(conf.search).toEqual(['a.test', 'b.test']);
    expect(conf).toMatchObject({
      ndots: 15,
      timeoutMs: 2000,
      attempts: 5,
      rotate: true,
      edns0: true,
      useTcp: false,
    });
  });

  it('uses the defaults for an empty file', () => {
    expect(parseResolvConf('')).toMatchObject({
      nameservers: [],
      search: [],
      ndots: 1,
      timeoutMs: 5000,
      attempts: 2,
      rotate: false,
    });
  });

  it('orders search candidates by ndots', () => {
    const conf = { search: ['netdiag.test', 'b.test'], ndots: 1 };
    expect(searchCandidates('www', conf)).toEqual(['www.netdiag.test.', 'www.b.test.', 'www.']);
    expect(searchCandidates('www.x', conf)).toEqual(['www.x.', 'www.x.netdiag.test.', 'www.x.b.test.']);
    expect(searchCandidates('abs.', conf)).toEqual(['abs.']);
  });

  it('never throws on any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => void parseResolvConf(t)));
  });
});

describe('reverse names', () => {
  it('builds in-addr.arpa and ip6.arpa names', () => {
    expect(reverseName('192.0.2.10')).toBe('10.2.0.192.in-addr.arpa.');
    expect(reverseName('2001:db8::10')).toBe(
      '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.',
    );
    expect(reverseName('::ffff:192.0.2.1')).toBe('1.2.0.192.in-addr.arpa.');
    expect(() => reverseName('nope')).toThrow(/not an IP address/);
  });
});

describe('stream framing', () => {
  it('reassembles messages however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 50 }), { maxLength: 5 }),
        fc.array(fc.nat(300), { maxLength: 6 }),
        (msgs, cuts) => {
          const all = Buffer.concat(msgs.map((m) => frame(m)));
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const reader = new FrameReader();
          const out: Uint8Array[] = [];
          let prev = 0;
          for (const p of [...points, all.length]) {
            out.push(...reader.push(all.subarray(prev, p)));
            prev = p;
          }
          expect(out.map((m) => Buffer.from(m))).toEqual(msgs.map((m) => Buffer.from(m)));
          expect(reader.buffered).toBe(0);
        },
      ),
    );
  });
});

describe('NSEC type bitmaps', () => {
  it('decodes windows (A, MX, RRSIG, NSEC, CAA)', () => {
    // Window 0: A(1) MX(15) RRSIG(46) NSEC(47); window 1: CAA(257).
    const bits = Buffer.from('0006400100000003' + '010140', 'hex');
    expect(decodeTypeBitmap(bits)).toEqual(['A', 'MX', 'RRSIG', 'NSEC', 'CAA']);
  });
});
