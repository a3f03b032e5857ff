import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookup } from './dns/cli.js';
import { dig, parseDigRecords } from './dns/dig.js';
import type { KnotServer } from './dns/knot.js';
import { type Front, startSecureServers, stopSecureServers, type TestCert } from './dns/secure-fronts.js';

/** `netdiag lookup` end to end against knotd, its output beside dig's. */
let knot: KnotServer;
let cert: TestCert;
let dot: Front;
let doh: Front;
beforeAll(async () => {
  ({ knot, cert, dot, doh } = await startSecureServers());
});
afterAll(() => stopSecureServers({ knot, cert, dot, doh }));

describe.skipIf(process.getuid?.() !== 0)('netdiag lookup', () => {
  const at = () => `@${knot.address}`;

  it('prints short nslookup-style output by default (A and AAAA)', async () => {
    const r = await lookup('www.netdiag.test', at());
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `Server:\t\t${knot.address}\nAddress:\t${knot.address}#53\n\nName:\twww.netdiag.test\nAddress: 192.0.2.10\n\nName:\twww.netdiag.test\nAddress: 2001:db8::10\n`,
    );
  });

  it('--short equals dig +short, for several names and types in one run', async () => {
    const r = await lookup('www.netdiag.test', 'netdiag.test', 'A', 'MX', 'TXT', '--short', at());
    const expected = ['www.netdiag.test', 'netdiag.test'].flatMap((n) =>
      ['A', 'MX', 'TXT'].flatMap((t) =>
        dig([at(), n, t, '+short', '+norecurse']).split('\n').filter(Boolean),
      ),
    );
    expect(r.out.trim().split('\n')).toEqual(expected);
    // A name without MX/TXT: the server answered, with no data.
    expect(r.code).toBe(1);
  });

  it('--dig prints the sections and the answer equals dig', async () => {
    const r = await lookup('ctl.netdiag.test', 'TXT', '--dig', '--dnssec', at());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+/);
    expect(r.out).toMatch(/;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1/);
    expect(r.out).toMatch(/; EDNS: version: 0, flags: do; udp: \d+/);
    expect(r.out).toContain(';; QUESTION SECTION:\n;ctl.netdiag.test.\t\tIN\tTXT');
    expect(r.out).toMatch(
      new RegExp(
        `;; SERVER: ${knot.address.replace(/\./g, '\\.')}#53\\(${knot.address.replace(/\./g, '\\.')}\\) \\(UDP\\)`,
      ),
    );
    expect(r.out).toMatch(/;; MSG SIZE {2}rcvd: \d+/);
    const answer = r.out.split(';; ANSWER SECTION:\n')[1]!.split('\n\n')[0]!;
    const theirs = dig([at(), 'ctl.netdiag.test', 'TXT', '+dnssec', '+norecurse', '+noall', '+answer']);
    expect(parseDigRecords(answer)).toEqual(parseDigRecords(theirs));
    // The control characters are escaped, as dig escapes them.
    expect(answer).toContain('"bell\\007tab\\009quote\\"back\\\\semi;" "\\200\\255"');
    expect(r.out).not.toMatch(/[\u0007\u0080]/);
  });

  it('-x does reverse lookups for IPv4 and IPv6', async () => {
    const r = await lookup('-x', '192.0.2.10', '-x', '2001:db8::10', '--short', at());
    expect(r.out).toBe('www.netdiag.test.\nwww.netdiag.test.\n');
    expect(r.code).toBe(0);
  });

  it('--json gives the records typed, with the presentation text beside them', async () => {
    const r = await lookup('netdiag.test', 'HTTPS', '--json', at());
    const [q] = JSON.parse(r.out) as {
      rcode: string;
      answer: { type: string; priority: number; rdata: string; params: { key: string }[] }[];
    }[];
    expect(q!.rcode).toBe('NOERROR');
    expect(q!.answer[0]!.type).toBe('HTTPS');
    expect(q!.answer[0]!.priority).toBe(1);
    expect(q!.answer[0]!.params.map((p) => p.key)).toEqual([
      'mandatory',
      'alpn',
      'port',
      'ipv4hint',
      'ipv6hint',
    ]);
    expect(q!.answer[0]!.rdata).toBe(
      parseDigRecords(dig([at(), 'netdiag.test', 'HTTPS', '+norecurse', '+noall', '+answer']))[0]!.rdata,
    );
  });

  it('exit 1 for NXDOMAIN, printed as nslookup does', async () => {
    const r = await lookup('nope.netdiag.test', 'A', at());
    expect(r.code).toBe(1);
    expect(r.out).toContain("** server can't find nope.netdiag.test: NXDOMAIN");
  });

  it('exit 2 with one line when no server can be reached', async () => {
    const r = await lookup('www.netdiag.test', '@127.0.0.1:9', '-t', '0.3', '--tries', '1');
    expect(r.code).toBe('thrown');
    expect(r.error!.exitCode).toBe(2);
    expect(r.error!.message).toMatch(/^lookup: 127\.0\.0\.1:9 over UDP: ECONNREFUSED/);
  });

  it.each([
    [['--port', '99999', 'x.test'], /--port must be (from )?1 to 65535/],
    [['@not-an-ip', 'x.test'], /not a server address/],
    [['-x', 'nope'], /-x takes an IP address/],
    [['a..b.test', '@KNOT'], /empty label/],
    [['x.test', '--dig', '--json'], /choose one of/],
    [['x.test', '+bogus'], /unknown option '\+bogus'/],
    [['x.test', '--https-get'], /--https-get goes with --https/],
    [[], /give a NAME/],
  ])('bad input %j: exit 2 with one line', async (args, message) => {
    const r = await lookup(...args.map((a) => (a === '@KNOT' ? at() : a)));
    expect(r.code).toBe('thrown');
    expect(r.error!.exitCode).toBe(2);
    expect(r.error!.message).toMatch(message);
    expect(r.error!.message).not.toContain('\n');
  });

  it('--tls and --https give the UDP answer', async () => {
    const udp = await lookup('www.netdiag.test', 'AAAA', '--short', at());
    const tls = await lookup(
      'www.netdiag.test',
      'AAAA',
      '--short',
      '--tls',
      '@127.0.0.1',
      '-p',
      String(dot.port),
      '--ca',
      cert.certPath,
      '--tls-name',
      'dns.netdiag.test',
    );
    const https = await lookup(
      'www.netdiag.test',
      'AAAA',
      '--short',
      '--https',
      `https://127.0.0.1:${doh.port}/dns-query`,
      '--ca',
      cert.certPath,
    );
    const gets = doh.methods!().GET;
    const httpsGet = await lookup(
      'www.netdiag.test',
      'AAAA',
      '+short',
      '--https',
      `https://127.0.0.1:${doh.port}/dns-query`,
      '+https-get',
      '--ca',
      cert.certPath,
    );
    expect(udp.out).toBe('2001:db8::10\n');
    expect(tls.out).toBe(udp.out);
    expect(https.out).toBe(udp.out);
    expect(httpsGet.out).toBe(udp.out);
    expect(doh.methods!().GET - gets).toBe(1);
  });

  it('several questions over --tls share one connection (as dig +keepopen)', async () => {
    const before = dot.accepted();
    const r = await lookup(
      'www.netdiag.test',
      'netdiag.test',
      'A',
      'AAAA',
      '--short',
      '--tls',
      '@127.0.0.1',
      '-p',
      String(dot.port),
      '--ca',
      cert.certPath,
    );
    const udp = await lookup('www.netdiag.test', 'netdiag.test', 'A', 'AAAA', '--short', at());
    expect(r.out).toBe(udp.out);
    expect(r.out.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(dot.accepted() - before).toBe(1);
  });

  it('--tcp is carried over TCP, as --dig shows', async () => {
    const r = await lookup('www.netdiag.test', '--dig', '--tcp', at());
    expect(r.out).toMatch(/\(TCP\)/);
  });

  it('runs as a process: one line on stderr and the documented exit code', () => {
    const main = fileURLToPath(new URL('../apps/netdiag/src/main.ts', import.meta.url));
    const ok = spawnSync(
      process.execPath,
      ['--import', 'tsx', main, 'lookup', 'www.netdiag.test', 'A', at(), '--short'],
      { encoding: 'utf8' },
    );
    expect([ok.status, ok.stdout]).toEqual([0, '192.0.2.10\n']);
    const bad = spawnSync(
      process.execPath,
      ['--import', 'tsx', main, 'lookup', '-p', 'x', 'www.netdiag.test'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
