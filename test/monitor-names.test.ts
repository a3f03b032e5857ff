import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type KnotServer, startKnot } from './dns/knot.js';
import { useLab } from './lab/index.js';
import { type Daemon, httpIn, samples, sleep, startAgent, waitReady } from './support/monitor.js';
import { labNames } from './support/names.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19377';
const TTL = 2;

/**
 * Targets by name, from a real DNS server (knot) in the client's namespace: a name probed on
 * both of its A records, and a name whose A record changes (short TTL) followed to its new
 * address. dig, asking the same server, says what the agent should probe.
 */
describe.skipIf(!root)('netdiag monitor: names re-resolved by TTL, every address probed (needs root)', () => {
  const lab = useLab();
  const knots: KnotServer[] = [];
  let agent: Daemon | undefined;
  let removeNames = () => {};
  let dir = '';
  const zone = (moving: string) => ({
    origin: 'monitor.test',
    text: [
      '$ORIGIN monitor.test.',
      '$TTL 300',
      '@ SOA ns hostmaster 1 3600 600 86400 300',
      '@ NS ns',
      'ns A 127.0.0.53',
      `moving ${TTL} A ${moving}`,
      `pair A ${lab.addr('t3', 4)}`,
      `pair A ${lab.addr('far', 4)}`,
      '',
    ].join('\n'),
  });
  const requests = async () =>
    samples((await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body, 'smokeping_requests_total');
  const dig = async (name: string) =>
    // Only the answers: dig also prints ";; communications error" for a server that refused.
    (await lab.exec('client', ['dig', '+short', name, 'A'])).stdout
      .split('\n')
      .filter((l) => /^[\d.]+$/.test(l))
      .sort();

  beforeAll(async () => {
    removeNames = labNames(lab.ns('client'), {});
    // Two servers in resolv.conf: the second takes over, with the changed zone, when the first stops.
    writeFileSync(
      `/etc/netns/${lab.ns('client')}/resolv.conf`,
      'nameserver 127.0.0.53\nnameserver 127.0.0.54\noptions timeout:1 attempts:1\n',
    );
    knots.push(
      await startKnot([zone(lab.addr('t3', 4))], { address: '127.0.0.53', netns: lab.ns('client') }),
    );
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-names-'));
    chmodSync(dir, 0o755);
    const file = join(dir, 'monitor.yml');
    writeFileSync(
      file,
      stringify({
        targets: [
          { hosts: ['moving.monitor.test'], interval: '200ms', network: 'ip4' },
          { hosts: ['pair.monitor.test'], interval: '200ms', network: 'ip4', all_addresses: true },
        ],
      }),
    );
    agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
  });

  afterAll(async () => {
    await agent?.stop();
    for (const k of knots) await k.stop();
    removeNames();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a name with two A records is probed on both, one ip label each', async () => {
    await sleep(1500);
    const pair = (await requests()).filter((s) => s.labels.host === 'pair.monitor.test');
    expect(pair.map((s) => s.labels.ip).sort()).toEqual(await dig('pair.monitor.test'));
    expect(pair).toHaveLength(2);
    for (const s of pair) expect(s.value).toBeGreaterThanOrEqual(3);
  });

  it("follows a name to its new address when the old answer's TTL runs out", async () => {
    const moving = async () => (await requests()).filter((s) => s.labels.host === 'moving.monitor.test');
    expect((await moving()).map((s) => s.labels.ip)).toEqual([lab.addr('t3', 4)]);
    // The record changes: the new server answers with far's address, the old one goes away.
    knots.push(
      await startKnot([zone(lab.addr('far', 4))], { address: '127.0.0.54', netns: lab.ns('client') }),
    );
    await knots[0]!.stop();
    expect(await dig('moving.monitor.test')).toEqual([lab.addr('far', 4)]);
    const deadline = Date.now() + (TTL + 8) * 1000;
    let now = await moving();
    while (!(now.length === 1 && now[0]!.labels.ip === lab.addr('far', 4)) && Date.now() < deadline) {
      await sleep(250);
      now = await moving();
    }
    expect(now.map((s) => s.labels.ip)).toEqual([lab.addr('far', 4)]);
    const before = now[0]!.value;
    await sleep(1000);
    const after = (await moving())[0]!.value;
    expect(after).toBeGreaterThan(before + 2); // probing the new address, at 5 a second
    // The pair's targets, whose names did not change, kept counting through the refresh.
    const pair = (await requests()).filter((s) => s.labels.host === 'pair.monitor.test');
    for (const s of pair) expect(s.value).toBeGreaterThan(10);
  });
});
