import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { useLab } from './lab/index.js';
import { type Daemon, sleep, startAgent, startDaemon, waitReady } from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19376';
const EF = 0xb8; // DSCP 46 (expedited forwarding) << 2

/**
 * The TOS byte (IPv4) and traffic class (IPv6) of `tos:` as tcpdump reads them off the wire,
 * beside iputils ping -Q with the same value on the same path.
 */
describe.skipIf(!root)('netdiag monitor: tos on the wire (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-tos-'));
    chmodSync(dir, 0o755);
    const file = join(dir, 'monitor.yml');
    writeFileSync(
      file,
      stringify({
        targets: [
          { hosts: [lab.addr('t3', 4), lab.addr('t3', 6)], interval: '200ms', tos: EF },
          // Same socket, no tos: its requests must leave with 0, whatever the one before carried.
          { hosts: [lab.addr('far', 4), lab.addr('far', 6)], interval: '200ms' },
        ],
      }),
    );
    agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
  });

  afterAll(async () => {
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Echo requests tcpdump -v prints for `filter` over `ms`: the TOS or class of each, by destination. */
  async function captured(filter: string, ms: number, during?: () => Promise<void>) {
    const dump = startDaemon(lab, 'client', ['tcpdump', '-i', 'any', '-l', '-nn', '-v', filter]);
    try {
      await sleep(1000); // tcpdump's "listening on" comes before the filter is in place
      await during?.();
      await sleep(ms);
    } finally {
      await dump.stop();
    }
    // IPv4: "IP (tos 0xb8, ttl 64, ...) A > B: ICMP echo request"; IPv6: "IP6 (class 0xb8,
    // flowlabel ..., hlim 64, ...) A > B: ICMP6, echo request", the class left out when it is 0.
    const seen: { to: string; tos: number }[] = [];
    const text = dump.output().replace(/\n\s+/g, ' ');
    for (const m of text.matchAll(
      /IP6? \((?:(?:tos|class) (0x[0-9a-f]+), )?[^\n]*?\) ([0-9a-f.:]+) > ([0-9a-f.:]+): (?:\[[^\]]*\] )?ICMP6?,? echo request/g,
    ))
      seen.push({ to: m[3]!, tos: Number(m[1] ?? 0) });
    return seen;
  }

  it('requests to a target with tos carry it, IPv4 and IPv6; the others carry 0', async () => {
    const seen = await captured('icmp or icmp6', 1500);
    for (const family of [4, 6] as const) {
      const marked = seen.filter((s) => s.to === lab.addr('t3', family));
      const plain = seen.filter((s) => s.to === lab.addr('far', family));
      expect(marked.length, `IPv${family} requests to t3 in ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(
        3,
      );
      expect(plain.length, `IPv${family} requests to far`).toBeGreaterThanOrEqual(3);
      expect(new Set(marked.map((s) => s.tos))).toEqual(new Set([EF]));
      expect(new Set(plain.map((s) => s.tos))).toEqual(new Set([0]));
    }
  });

  it('the same byte as iputils ping -Q sends', async () => {
    const t3 = lab.addr('t3', 4);
    const seen = await captured(`icmp and dst host ${t3}`, 300, async () => {
      const r = await lab.exec('client', ['ping', '-n', '-c', '2', '-i', '0.2', '-Q', String(EF), t3]);
      expect(r.code).toBe(0);
    });
    // ping's two and the agent's, all to t3: one TOS among them.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seen.map((s) => s.tos))).toEqual(new Set([EF]));
  });
});
