import { type DnsResponse, decodeMessage } from '@netdiag/dns-client';
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli-error.js';
import { parseLookupArgs } from './lookup.js';
import { formatNslookup, formatShort, type Outcome } from './lookup-format.js';

const noFile = async () => {
  throw Object.assign(new Error('no'), { code: 'ENOENT' });
};

describe('lookup arguments', () => {
  it('sorts names, types and @server; a type word only after a name', async () => {
    const p = await parseLookupArgs(['mx', 'a.test', 'MX', 'txt', '@192.0.2.1', '--short'], noFile);
    expect(p.questions).toEqual([
      { name: 'mx', type: 'MX' },
      { name: 'mx', type: 'TXT' },
      { name: 'a.test', type: 'MX' },
      { name: 'a.test', type: 'TXT' },
    ]);
    expect(p.options.servers).toEqual(['192.0.2.1']);
    expect(p.output).toBe('short');
  });

  it('takes dig-style +flags and -x', async () => {
    const p = await parseLookupArgs(
      ['+trace', '+dnssec', '-x', '2001:db8::1', '--root', '192.0.2.53'],
      noFile,
    );
    expect(p.trace).toBe(true);
    expect(p.options.edns).toMatchObject({ dnssecOk: true });
    expect(p.questions).toEqual([
      { name: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.', type: 'PTR' },
    ]);
    expect(p.roots).toEqual([{ name: 'root1.', address: '192.0.2.53' }]);
  });

  it('defaults to A and AAAA for nslookup output, A for dig', async () => {
    expect((await parseLookupArgs(['a.test'], noFile)).questions.map((q) => q.type)).toEqual(['A', 'AAAA']);
    expect((await parseLookupArgs(['a.test', '--dig'], noFile)).questions.map((q) => q.type)).toEqual(['A']);
  });

  it.each([
    [['a.test', '--tls', '--tcp'], /choose one of --tcp/],
    [['a.test', '-t', '0'], /--timeout/],
    [['a.test', '--tries', '1.5'], /--tries/],
    [['a.test', '--ca', '/nonexistent'], /cannot read --ca/],
    [['a\u001bb.test'], /is not a domain name/],
    [['+trace', '--tls', 'a.test'], /--trace asks/],
  ])('%j is a usage error', async (args, message) => {
    const err = await parseLookupArgs(args, noFile).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toMatch(/\u001b/);
  });
});

function response(packet: dnsPacket.Packet): DnsResponse {
  const message = decodeMessage(dnsPacket.encode(packet));
  return {
    message,
    server: '192.0.2.1#53',
    transport: 'udp',
    question: message.questions[0]!,
    tries: 1,
    size: 100,
    rttMs: 1,
  };
}

describe('lookup output', () => {
  const hostile = response({
    type: 'response',
    id: 1,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: 'x.test', type: 'TXT' }],
    answers: [
      { name: 'x.test', type: 'TXT', ttl: 5, data: [Buffer.from('\u001b[2Jgone\r\n')] },
      { name: 'x.test', type: 'CNAME', ttl: 5, data: 'evil\u0007.test' },
    ],
  });

  it('escapes control characters from the network in every format', () => {
    const o: Outcome[] = [{ kind: 'response', name: 'x.test', type: 'TXT', response: hostile }];
    for (const text of [formatNslookup(o), formatShort(o)]) {
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(text).toContain('"\\027[2Jgone\\013\\010"');
      expect(text).toContain('evil\\007.test.');
    }
  });

  it('names NXDOMAIN once per name', () => {
    const nx = response({ type: 'response', id: 1, flags: 3, questions: [{ name: 'no.test', type: 'A' }] });
    const text = formatNslookup([
      { kind: 'response', name: 'no.test', type: 'A', response: nx },
      { kind: 'response', name: 'no.test', type: 'AAAA', response: nx },
    ]);
    expect(text.match(/NXDOMAIN/g)).toHaveLength(1);
  });
});
