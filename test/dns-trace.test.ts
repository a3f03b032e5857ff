import { randomInt } from 'node:crypto';
import { rdataText, type TraceStep, trace } from '@netdiag/dns-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookup } from './dns/cli.js';
import { dig, parseDigRecords } from './dns/dig.js';
import { type KnotServer, startKnot } from './dns/knot.js';

/**
 * +trace against a lab root: three knotd instances on loopback serving `.`, `test.` and
 * `netdiag.test.` (plus a zone delegated without glue). Each step is compared with what dig
 * gets asking the same server the same question without recursion. (dig +trace itself cannot
 * be pointed at a lab root: it looks up the root servers' names through the system resolver.)
 */
const net = `127.53.${randomInt(1, 255)}`;
const ROOT = `${net}.1`;
const TLD = `${net}.2`;
const LEAF = `${net}.3`;
let servers: KnotServer[] = [];

beforeAll(async () => {
  const root = `$TTL 300\n. SOA a.lab-root. hostmaster.lab-root. 1 3600 900 604800 300\n. NS a.lab-root.\na.lab-root. A ${ROOT}\ntest. NS ns.test.\nns.test. A ${TLD}\n`;
  const tld = `$ORIGIN test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A ${TLD}\nnetdiag NS ns1.netdiag\nns1.netdiag A ${LEAF}\nglueless NS ns1.netdiag.test.\n`;
  const leaf = `$ORIGIN netdiag.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A ${LEAF}\nwww A 192.0.2.10\n`;
  const glueless = `$ORIGIN glueless.test.\n$TTL 300\n@ SOA ns1.netdiag.test. hostmaster.netdiag.test. 1 3600 900 604800 300\n@ NS ns1.netdiag.test.\nhost A 192.0.2.99\n`;
  servers = await Promise.all([
    startKnot([{ origin: '.', text: root }], { address: ROOT }),
    startKnot([{ origin: 'test', text: tld }], { address: TLD }),
    startKnot(
      [
        { origin: 'netdiag.test', text: leaf },
        { origin: 'glueless.test', text: glueless },
      ],
      { address: LEAF },
    ),
  ]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function collect(name: string, type: string): Promise<TraceStep[]> {
  const steps: TraceStep[] = [];
  for await (const s of trace(name, type, {
    rootHints: [{ name: 'a.lab-root.', address: ROOT }],
    timeoutMs: 2000,
  }))
    steps.push(s);
  return steps;
}

function digSection(server: string, name: string, type: string, section: 'answer' | 'authority'): string[] {
  return parseDigRecords(dig([`@${server}`, name, type, '+norecurse', '+noall', `+${section}`])).map(
    (r) => `${r.name} ${r.type} ${r.rdata}`,
  );
}

describe.skipIf(process.getuid?.() !== 0)('+trace from a lab root', () => {
  it('follows each delegation down to the answer, each step as dig sees it', async () => {
    const steps = await collect('www.netdiag.test', 'A');
    expect(steps.map((s) => [s.zone, s.server.address])).toEqual([
      ['.', ROOT],
      ['test.', TLD],
      ['netdiag.test.', LEAF],
    ]);
    expect(steps[0]!.referral).toEqual({ zone: 'test.', nameservers: [{ name: 'ns.test.', address: TLD }] });
    expect(steps[1]!.referral).toEqual({
      zone: 'netdiag.test.',
      nameservers: [{ name: 'ns1.netdiag.test.', address: LEAF }],
    });
    expect(steps[2]!.referral).toBeUndefined();
    for (const s of steps.slice(0, 2)) {
      expect(s.response.message.authorities.map((r) => `${r.name} ${r.type} ${rdataText(r)}`)).toEqual(
        digSection(s.server.address, 'www.netdiag.test', 'A', 'authority'),
      );
    }
    expect(steps[2]!.response.message.answers.map((r) => `${r.name} ${r.type} ${rdataText(r)}`)).toEqual(
      digSection(LEAF, 'www.netdiag.test', 'A', 'answer'),
    );
  });

  it('finds the address of a name server delegated without glue', async () => {
    const steps = await collect('host.glueless.test', 'A');
    const last = steps[steps.length - 1]!;
    expect(last.server.address).toBe(LEAF);
    expect(last.response.message.answers.map((r) => rdataText(r))).toEqual(['192.0.2.99']);
  });

  it('ends at NXDOMAIN from the authority', async () => {
    const steps = await collect('nope.netdiag.test', 'A');
    expect(steps[steps.length - 1]!.response.message.rcode).toBe('NXDOMAIN');
  });
});

describe.skipIf(process.getuid?.() !== 0)('netdiag lookup +trace', () => {
  it('shows each delegation and where it came from', async () => {
    const r = await lookup('www.netdiag.test', 'A', '+trace', '--root', ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^test\\.\\t300\\tIN\\tNS\\tns\\.test\\.\\n;; Received \\d+ bytes from ${ROOT.replace(/\./g, '\\.')}#53\\(root1\\) in \\d+ ms\\n`,
      ),
    );
    expect(r.out).toContain('netdiag.test.\t300\tIN\tNS\tns1.netdiag.test.\n');
    expect(r.out).toContain(`;; Received`);
    expect(r.out).toContain(
      `www.netdiag.test.\t300\tIN\tA\t192.0.2.10\n;; Received 61 bytes from ${LEAF}#53(ns1.netdiag.test)`,
    );
  });
});
