import { randomInt } from 'node:crypto';
import { DnsError, query, Resolver, rdataText, recordTypeName, resolve } from '@netdiag/dns-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, digHeader, parseDigRecords } from './dns/dig.js';
import { bigTxtRecord, type KnotServer, standardZones, startKnot } from './dns/knot.js';

/**
 * Every record type against a real knotd the test starts, each answer compared with what dig
 * gets from the same server in the same test.
 */
let knot: KnotServer;
const v6Port = randomInt(20000, 60000);
beforeAll(async () => {
  knot = await startKnot(standardZones(), { also: [`::1@${v6Port}`] });
});
afterAll(async () => {
  await knot?.stop();
});

const CASES: [string, string][] = [
  ['www.netdiag.test', 'A'],
  ['www.netdiag.test', 'AAAA'],
  ['alias.netdiag.test', 'CNAME'],
  ['alias.netdiag.test', 'A'],
  ['netdiag.test', 'MX'],
  ['netdiag.test', 'NS'],
  ['netdiag.test', 'SOA'],
  ['txt.netdiag.test', 'TXT'],
  ['ctl.netdiag.test', 'TXT'],
  ['_sip._udp.netdiag.test', 'SRV'],
  ['netdiag.test', 'CAA'],
  ['sub.netdiag.test', 'DS'],
  ['netdiag.test', 'DNSKEY'],
  ['www.netdiag.test', 'RRSIG'],
  ['netdiag.test', 'NSEC'],
  ['netdiag.test', 'HTTPS'],
  ['alias-mode.netdiag.test', 'HTTPS'],
  ['svc.netdiag.test', 'SVCB'],
  ['netdiag.test', 'ANY'],
  ['10.2.0.192.in-addr.arpa', 'PTR'],
  ['0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR'],
  ['weird\\007name.netdiag.test', 'A'],
  ['dot\\.label.netdiag.test', 'A'],
  ['bin\\200ary.netdiag.test', 'A'],
];

describe.skipIf(process.getuid?.() !== 0)('dns-client against knotd, compared with dig', () => {
  it.each(CASES)('%s %s equals dig', async (name, type) => {
    const ours = await query(name, type, {
      servers: [knot.address],
      edns: { dnssecOk: true },
      timeoutMs: 2000,
    });
    const digText = dig([
      `@${knot.address}`,
      '-p',
      String(knot.port),
      name,
      type,
      '+dnssec',
      '+norecurse',
      '+noall',
      '+answer',
      '+comments',
    ]);
    const theirs = parseDigRecords(
      digText
        .split('\n')
        .filter((l) => !l.startsWith(';'))
        .join('\n'),
    );
    expect(ours.message.rcode).toBe(digHeader(digText).status);
    const mine = ours.message.answers.map((r) => ({
      name: r.name,
      ttl: r.ttl,
      class: r.class,
      type: recordTypeName(r),
      rdata: rdataText(r),
    }));
    expect(mine).toEqual(theirs);
    // "Answered": the type asked for is there (ANY and RRSIG: something is).
    const want = type === 'ANY' ? undefined : type;
    expect(mine.filter((r) => want === undefined || r.type === want).length).toBeGreaterThan(0);
  });

  it('gets NXDOMAIN with the SOA in authority, as dig does', async () => {
    const ours = await query('nope.netdiag.test', 'A', { servers: [knot.address] });
    const digText = dig([
      `@${knot.address}`,
      'nope.netdiag.test',
      'A',
      '+norecurse',
      '+noall',
      '+authority',
      '+comments',
    ]);
    expect(ours.message.rcode).toBe('NXDOMAIN');
    expect(digHeader(digText).status).toBe('NXDOMAIN');
    const theirs = parseDigRecords(
      digText
        .split('\n')
        .filter((l) => !l.startsWith(';'))
        .join('\n'),
    );
    expect(ours.message.authorities.map((r) => `${r.name} ${r.type} ${rdataText(r)}`)).toEqual(
      theirs.map((r) => `${r.name} ${r.type} ${r.rdata}`),
    );
  });

  it('retries a truncated UDP answer over TCP and gets the whole TXT (> 512 bytes)', async () => {
    // Without EDNS the UDP limit is 512 bytes: dig sees TC set over UDP...
    const udp = dig([
      `@${knot.address}`,
      'big.netdiag.test',
      'TXT',
      '+noedns',
      '+ignore',
      '+norecurse',
      '+noall',
      '+comments',
    ]);
    expect(digHeader(udp).flags).toContain('tc');
    // ...and the full record over TCP.
    const tcp = parseDigRecords(
      dig([
        `@${knot.address}`,
        'big.netdiag.test',
        'TXT',
        '+tcp',
        '+noedns',
        '+norecurse',
        '+noall',
        '+answer',
      ]),
    );
    const ours = await query('big.netdiag.test', 'TXT', { servers: [knot.address], edns: false });
    expect(ours.transport).toBe('tcp');
    expect(ours.tries).toBe(2);
    expect(ours.message.flags.tc).toBe(false);
    const txt = ours.message.answers.find((r) => r.type === 'TXT');
    expect(txt && rdataText(txt)).toBe(tcp[0]!.rdata);
    expect(txt?.type === 'TXT' && txt.strings.map((s) => Buffer.from(s).toString())).toEqual(
      bigTxtRecord('big').strings,
    );
    expect(ours.size).toBeGreaterThan(512);
  });

  it('asks for NSID and sees the EDNS answer fields', async () => {
    const ours = await query('www.netdiag.test', 'A', {
      servers: [knot.address],
      edns: { nsid: true, udpSize: 1232 },
    });
    expect(ours.message.edns?.version).toBe(0);
    // knotd sends NSID only when configured with one; the option must then be absent, not garbled.
    const digText = dig([`@${knot.address}`, 'www.netdiag.test', 'A', '+nsid', '+norecurse']);
    expect(ours.message.edns?.nsid === undefined).toBe(!digText.includes('NSID:'));
  });

  it('resolve() returns typed records and follows a CNAME', async () => {
    const a = await resolve('alias.netdiag.test', 'A', { servers: [knot.address] });
    expect(a.map((r) => r.address)).toEqual(['192.0.2.10']);
    const mx = await resolve('netdiag.test', 'MX', { servers: [knot.address] });
    expect(mx[0]).toMatchObject({ type: 'MX', preference: 10, exchange: 'mail.netdiag.test.' });
    const none = await resolve('www.netdiag.test', 'MX', { servers: [knot.address] });
    expect(none).toEqual([]);
    await expect(resolve('nope.netdiag.test', 'A', { servers: [knot.address] })).rejects.toMatchObject({
      code: 'NXDOMAIN',
    });
  });

  it('reverse lookups for IPv4 and IPv6 equal dig -x', async () => {
    const resolver = new Resolver({ servers: [knot.address] });
    for (const addr of ['192.0.2.10', '2001:db8::10']) {
      const theirs = dig([`@${knot.address}`, '-x', addr, '+short', '+norecurse'])
        .trim()
        .split('\n');
      expect(await resolver.reverse(addr)).toEqual(theirs);
      expect(await resolver.hostName(addr)).toBe(theirs[0]!.replace(/\.$/, ''));
    }
    // No PTR: no name, not an error.
    expect(await resolver.hostName('192.0.2.200')).toBeUndefined();
    expect(await resolver.hostName('2001:db8::99')).toBeUndefined();
  });

  it('applies the search list and ndots', async () => {
    const resolver = new Resolver({ servers: [knot.address], search: ['netdiag.test'], ndots: 1 });
    const r = await resolver.resolve('www', 'A');
    expect(r.map((x) => x.name)).toEqual(['www.netdiag.test.']);
    // txt.netdiag.test exists without an A record: no data, not NXDOMAIN (and `txt.` itself,
    // tried last, is refused by this server, which is not authoritative for it).
    expect(await resolver.resolve('txt', 'A')).toEqual([]);
    // NXDOMAIN under the search domain, REFUSED as given: an error, since `nothing.` might exist.
    await expect(resolver.resolve('nothing', 'A')).rejects.toMatchObject({
      code: 'RCODE',
      message: /REFUSED/,
    });
    await expect(resolver.resolve('nothing.netdiag.test.', 'A')).rejects.toMatchObject({ code: 'NXDOMAIN' });
  });

  it('caches by TTL and counts it down; shares one query among concurrent callers', async () => {
    let now = 1_000_000;
    const resolver = new Resolver({ servers: [knot.address], now: () => now });
    const first = await resolver.query('www.netdiag.test', 'A');
    now += 100_000;
    const cached = await resolver.query('www.netdiag.test', 'A');
    expect(cached.message.id).toBe(first.message.id);
    expect(cached.message.answers[0]!.ttl).toBe(200);
    now += 201_000;
    const fresh = await resolver.query('www.netdiag.test', 'A');
    expect(fresh.message.answers[0]!.ttl).toBe(300);

    const many = await Promise.all(
      Array.from({ length: 20 }, () => resolver.query('mail.netdiag.test', 'A')),
    );
    expect(new Set(many.map((r) => r.message.id)).size).toBe(1);

    // One caller giving up does not cancel the others.
    const gone = new AbortController();
    const a = resolver.query('sip.netdiag.test', 'A', { signal: gone.signal });
    const b = resolver.query('sip.netdiag.test', 'A');
    await new Promise((r) => setImmediate(r));
    gone.abort();
    await expect(a).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await b).message.answers[0]).toMatchObject({ address: '192.0.2.50' });
  });

  it('fails over to the next server and reports a closed port at once', async () => {
    const closed = `${knot.address.split('.').slice(0, 3).join('.')}.${(Number(knot.address.split('.')[3]) % 254) + 1}`;
    const r = await query('www.netdiag.test', 'A', {
      servers: [closed, knot.address],
      timeoutMs: 1000,
      attempts: 1,
    });
    expect(r.server).toBe(`${knot.address}#53`);
    const err = await query('www.netdiag.test', 'A', {
      servers: [closed],
      timeoutMs: 1000,
      attempts: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsError);
    expect((err as DnsError).code).toBe('NETWORK');
  });

  it('speaks to an IPv6 server over UDP and TCP', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await query('www.netdiag.test', 'AAAA', {
        servers: [`[::1]:${v6Port}`],
        transport,
        timeoutMs: 2000,
      });
      expect(r.server).toBe(`::1#${v6Port}`);
      expect(r.message.answers.map(rdataText)).toEqual(
        dig([
          '@::1',
          '-p',
          String(v6Port),
          'www.netdiag.test',
          'AAAA',
          '+short',
          `+${transport === 'tcp' ? '' : 'no'}tcp`,
        ])
          .trim()
          .split('\n'),
      );
    }
  });
});
