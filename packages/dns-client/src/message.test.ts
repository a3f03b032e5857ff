import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../test/support/arbitraries.js';
import { DnsError } from './errors.js';
import { decodeMessage, encodeQuery, matchResponse, type QueryMessage } from './message.js';
import { rdataText } from './records.js';

const query: QueryMessage = {
  id: 0x1234,
  question: { name: 'www.netdiag.test.', type: 1, class: 1 },
  recursionDesired: true,
  checkingDisabled: false,
  authenticData: false,
  edns: { udpSize: 1232, dnssecOk: true, nsid: true },
};

/** A response built by dns-packet (an independent encoder) for the decoder to read. */
function sample(): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 0x1234,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED,
    questions: [{ name: 'www.netdiag.test', type: 'A', class: 'IN' }],
    answers: [
      { name: 'www.netdiag.test', type: 'A', ttl: 300, data: '192.0.2.10' },
      { name: 'www.netdiag.test', type: 'TXT', ttl: 60, data: [Buffer.from('a\x07b'), Buffer.from('"q"')] },
      { name: 'netdiag.test', type: 'MX', ttl: 60, data: { preference: 10, exchange: 'mail.netdiag.test' } },
      {
        name: 'netdiag.test',
        type: 'SOA',
        ttl: 60,
        data: {
          mname: 'ns1.netdiag.test',
          rname: 'hostmaster.netdiag.test',
          serial: 7,
          refresh: 1,
          retry: 2,
          expire: 3,
          minimum: 4,
        },
      },
    ],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        flags: dnsPacket.DNSSEC_OK,
        options: [{ code: 3, data: Buffer.from('ns-a') }],
      } as never,
    ],
  });
}

describe('query encoding', () => {
  it('is what dns-packet decodes back', () => {
    const decoded = dnsPacket.decode(Buffer.from(encodeQuery(query)));
    expect(decoded.id).toBe(0x1234);
    expect(decoded.questions).toEqual([{ name: 'www.netdiag.test', type: 'A', class: 'IN' }]);
    const opt = decoded.additionals?.[0] as unknown as {
      type: string;
      udpPayloadSize: number;
      flag_do: boolean;
      options: { code: number }[];
    };
    expect(opt.type).toBe('OPT');
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flag_do).toBe(true);
    expect(opt.options.map((o) => o.code)).toEqual([3]);
  });

  it('encodes escaped labels byte for byte', () => {
    const wire = encodeQuery({
      ...query,
      question: { ...query.question, name: 'a\\.b\\007c.test.' },
      edns: false,
    });
    expect(Buffer.from(wire.subarray(12, 12 + 12)).toString('latin1')).toBe('\x05a.b\x07c\x04test\x00');
  });
});

describe('message decoding', () => {
  it('reads sections, flags, EDNS and NSID', () => {
    const m = decodeMessage(sample());
    expect(m.flags).toMatchObject({ qr: true, aa: true, rd: true, tc: false });
    expect(m.answers.map(rdataText)).toEqual([
      '192.0.2.10',
      '"a\\007b" "\\"q\\""',
      '10 mail.netdiag.test.',
      'ns1.netdiag.test. hostmaster.netdiag.test. 7 1 2 3 4',
    ]);
    expect(m.edns).toMatchObject({ udpSize: 1232, dnssecOk: true, version: 0 });
    expect(Buffer.from(m.edns!.nsid!).toString()).toBe('ns-a');
  });

  it('matches only the answer to the question asked', () => {
    const good = sample();
    expect(typeof matchResponse(query, good)).toBe('object');
    const wrongId = Buffer.from(good);
    wrongId.writeUInt16BE(0x4321, 0);
    expect(matchResponse(query, wrongId)).toMatch(/wrong ID/);
    expect(matchResponse({ ...query, question: { ...query.question, type: 28 } }, good)).toMatch(
      /different question/,
    );
    expect(
      matchResponse({ ...query, question: { ...query.question, name: 'WWW.NetDiag.TEST.' } }, good),
    ).not.toBeTypeOf('string');
  });

  it('random and mutated messages give a message or a DnsError, never another exception', () => {
    const base = sample();
    const broken = mutated(fc.constant(Uint8Array.from(base)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), broken), (bytes) => {
        try {
          const m = decodeMessage(bytes);
          for (const r of [...m.answers, ...m.authorities, ...m.additionals]) rdataText(r);
        } catch (err) {
          expect(err).toBeInstanceOf(DnsError);
        }
        const r = matchResponse(query, bytes);
        expect(r === null).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects a compression pointer loop with a clear error', () => {
    const b = Buffer.from(sample());
    // The first answer's owner is a pointer (at the end of the question); point it at itself.
    const at = 12 + 18 + 4;
    b.writeUInt16BE(0xc000 | at, at);
    expect(() => decodeMessage(b)).toThrow(/bad pointer/);
  });
});
