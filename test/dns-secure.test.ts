import { execFile } from 'node:child_process';
import { DnsError, type DnsResponse, query, Resolver, rdataText, recordTypeName } from '@netdiag/dns-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnotServer } from './dns/knot.js';
import { type Front, startSecureServers, stopSecureServers, type TestCert } from './dns/secure-fronts.js';

/** DNS over TLS and over HTTPS give the same records as UDP from the same zone. */
let knot: KnotServer;
let cert: TestCert;
let dot: Front;
let doh: Front;
beforeAll(async () => {
  ({ knot, cert, dot, doh } = await startSecureServers());
});
afterAll(() => stopSecureServers({ knot, cert, dot, doh }));

function records(r: DnsResponse): string[] {
  return r.message.answers.map((x) => `${x.name} ${x.ttl} ${recordTypeName(x)} ${rdataText(x)}`);
}

const CASES: [string, string][] = [
  ['www.netdiag.test', 'A'],
  ['www.netdiag.test', 'AAAA'],
  ['ctl.netdiag.test', 'TXT'],
  ['netdiag.test', 'HTTPS'],
  ['netdiag.test', 'DNSKEY'],
  ['big.netdiag.test', 'TXT'],
  ['10.2.0.192.in-addr.arpa', 'PTR'],
];

describe.skipIf(process.getuid?.() !== 0)('DNS over TLS and HTTPS', () => {
  it.each(CASES)('%s %s: DoT, DoH (HTTP/2 and 1.1, POST and GET) equal UDP', async (name, type) => {
    const edns = { dnssecOk: true };
    const udp = await query(name, type, { servers: [knot.address], edns });
    expect(udp.message.answers.length).toBeGreaterThan(0);
    const tls = await query(name, type, {
      servers: ['127.0.0.1'],
      port: dot.port,
      transport: 'tls',
      tls: { ca: cert.cert },
      edns,
    });
    expect(tls.transport).toBe('tls');
    expect(records(tls)).toEqual(records(udp));
    const url = `https://127.0.0.1:${doh.port}/dns-query`;
    const h2 = await query(name, type, { transport: 'https', https: { url, ca: cert.cert }, edns });
    expect(h2.message.id).toBe(0);
    expect(records(h2)).toEqual(records(udp));
    const h1 = await query(name, type, {
      transport: 'https',
      https: { url, ca: cert.cert, httpVersion: 1.1 },
      edns,
    });
    expect(records(h1)).toEqual(records(udp));
    // By GET, the query in the URL (RFC 8484 4.1): the front counts the GETs it answered.
    const gets = doh.methods!().GET;
    for (const httpVersion of [2, 1.1] as const) {
      const get = await query(name, type, {
        transport: 'https',
        https: { url, ca: cert.cert, httpVersion, method: 'GET' },
        edns,
      });
      expect(records(get)).toEqual(records(udp));
    }
    expect(doh.methods!().GET - gets).toBe(2);
  });

  it('checks the certificate name given with serverName', async () => {
    const ok = await query('www.netdiag.test', 'A', {
      servers: ['127.0.0.1'],
      port: dot.port,
      transport: 'tls',
      tls: { ca: cert.cert, serverName: 'dns.netdiag.test' },
    });
    expect(ok.message.answers.length).toBe(1);
    const wrong = await query('www.netdiag.test', 'A', {
      servers: ['127.0.0.1'],
      port: dot.port,
      transport: 'tls',
      tls: { ca: cert.cert, serverName: 'other.netdiag.test' },
      attempts: 1,
    }).catch((e: unknown) => e);
    expect((wrong as DnsError).code).toBe('TLS');
  });

  it('refuses a certificate it does not trust, over TLS and HTTPS', async () => {
    const tls = await query('www.netdiag.test', 'A', {
      servers: ['127.0.0.1'],
      port: dot.port,
      transport: 'tls',
      attempts: 1,
      timeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(tls).toBeInstanceOf(DnsError);
    expect((tls as DnsError).code).toBe('TLS');
    const https = await query('www.netdiag.test', 'A', {
      transport: 'https',
      https: { url: `https://127.0.0.1:${doh.port}/dns-query` },
      attempts: 1,
      timeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect((https as DnsError).code).toBe('TLS');
  });

  it('reports an HTTP error status as HTTP', async () => {
    const err = await query('www.netdiag.test', 'A', {
      transport: 'https',
      https: { url: `https://127.0.0.1:${doh.port}/nowhere`, ca: cert.cert },
      attempts: 1,
    }).catch((e: unknown) => e);
    expect((err as DnsError).code).toBe('HTTP');
    expect((err as DnsError).message).toMatch(/HTTP 404/);
  });

  it('a Resolver carries its DoT queries over one connection, pipelined, and reconnects when the server closes it', async () => {
    const before = dot.accepted();
    const resolver = new Resolver({
      servers: [`127.0.0.1:${dot.port}`],
      transport: 'tls',
      tls: { ca: cert.cert },
      cache: false,
      attempts: 1,
    });
    const names = ['www', 'mail', 'sip', 'ns1', 'alias'].map((n) => `${n}.netdiag.test`);
    // Five at once on one connection: each answer goes to its own question, whatever the order.
    const answers = await Promise.all(names.map((n) => resolver.resolve(n, 'A')));
    const expected = await Promise.all(
      names.map((n) => query(n, 'A', { servers: [`${knot.address}:${knot.port}`] })),
    );
    expect(answers.map((a) => a.map((r) => r.address))).toEqual(
      expected.map((e) =>
        e.message.answers.filter((r) => r.type === 'A').map((r) => (r as { address: string }).address),
      ),
    );
    expect(await resolver.resolve('www.netdiag.test', 'AAAA')).toHaveLength(1);
    expect(dot.accepted() - before).toBe(1);
    // The server ends the connection (as servers end idle ones) just as a query goes out on it:
    // the query is sent again on a new connection, within its one attempt.
    dot.dropAll();
    expect(await resolver.resolve('www.netdiag.test', 'AAAA', {})).toHaveLength(1);
    expect(dot.accepted() - before).toBe(2);
    // Once that is known, the next query opens no other.
    expect(await resolver.resolve('mail.netdiag.test', 'A')).toHaveLength(1);
    expect(dot.accepted() - before).toBe(2);
    resolver.close();
  });

  it('a kept DoT connection, idle, does not hold the process open', async () => {
    const script = `
      import { Resolver } from '@netdiag/dns-client';
      const r = new Resolver({ servers: ['127.0.0.1:${dot.port}'], transport: 'tls', tls: { ca: process.env.CA } });
      console.log((await r.resolve('www.netdiag.test', 'A'))[0].address);`;
    // Not spawnSync: the DoT front answers from this process, whose event loop must keep running.
    // The child is given 7 s, well beyond its start-up and one query, and short of the 10 s after
    // which knotd (behind the front) would end an idle connection and so free a held process.
    const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { env: { ...process.env, CA: cert.cert }, timeout: 7000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err.code as number | null) ?? null) : 0, stdout, stderr }),
      );
    });
    expect([child.code, child.stdout.trim()], child.stderr).toEqual([0, '192.0.2.10']);
  });

  it('a Resolver keeps one HTTP/2 session for all its DoH queries', async () => {
    const before = doh.accepted();
    const resolver = new Resolver({
      transport: 'https',
      https: { url: `https://127.0.0.1:${doh.port}/dns-query`, ca: cert.cert },
    });
    const names = ['www', 'mail', 'sip', 'ns1', 'alias'].map((n) => `${n}.netdiag.test`);
    const answers = await Promise.all(names.map((n) => resolver.resolve(n, 'A')));
    expect(answers.map((a) => a.length)).toEqual([1, 1, 1, 1, 1]);
    expect(await resolver.resolve('www.netdiag.test', 'AAAA')).toHaveLength(1);
    expect(doh.accepted() - before).toBe(1);
    resolver.close();
  });
});
