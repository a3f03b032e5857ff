import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { digHeader } from './dns/dig.js';
import { type KnotServer, standardZones, startKnot } from './dns/knot.js';
import { useLab } from './lab/index.js';
import { type Daemon, httpIn, samples, sleep, startAgent, waitReady } from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19374';

describe.skipIf(!root)('netdiag monitor continuous DNS queries (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let knot: KnotServer | undefined;
  let dir = '';
  const server = () => lab.addr('t3', 4);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-dns-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    knot = await startKnot(standardZones(), { address: server(), port: 53, netns: lab.ns('t3') });
    const file = join(dir, 'monitor.yml');
    writeFileSync(
      file,
      stringify({
        dns: [
          { servers: [server()], name: 'www.netdiag.test', type: 'A', interval: '200ms' },
          {
            servers: [server()],
            name: 'nothing.netdiag.test',
            type: 'A',
            interval: '200ms',
            transport: 'tcp',
          },
          // nothing listens on this port: every query fails
          { servers: [`${server()}:5353`], name: 'www.netdiag.test', interval: '200ms', timeout: '150ms' },
        ],
      }),
    );
    agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
    await sleep(3000);
  });

  afterAll(async () => {
    await agent?.stop();
    await knot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts queries, answers by rcode as dig sees them, failures by reason, and response times', async () => {
    const body = (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
    const find = (metric: string, labels: Record<string, string>) =>
      samples(body, metric).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    const status = async (name: string, tcp = false) =>
      digHeader(
        (await lab.exec('client', ['dig', `@${server()}`, name, 'A', ...(tcp ? ['+tcp'] : [])])).stdout,
      ).status;

    const www = { server: server(), name: 'www.netdiag.test', transport: 'udp' };
    const requests = find('netdiag_monitor_dns_requests_total', www)[0]!.value;
    expect(requests).toBeGreaterThanOrEqual(8);
    const answers = find('netdiag_monitor_dns_responses_total', www);
    expect(answers.map((s) => s.labels.rcode)).toEqual([await status('www.netdiag.test')]);
    expect(answers[0]!.value).toBeGreaterThanOrEqual(requests - 1);
    const missing = find('netdiag_monitor_dns_responses_total', {
      name: 'nothing.netdiag.test',
      transport: 'tcp',
    });
    expect(missing.map((s) => s.labels.rcode)).toEqual([await status('nothing.netdiag.test', true)]);
    expect(missing[0]!.labels.rcode).toBe('NXDOMAIN');

    const dead = find('netdiag_monitor_dns_failures_total', { server: `${server()}:5353` });
    expect(dead.length).toBeGreaterThan(0);
    for (const s of dead) expect(['network', 'timeout']).toContain(s.labels.reason);
    expect(dead.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(5);
    expect(find('netdiag_monitor_dns_responses_total', { server: `${server()}:5353` })).toEqual([]);

    // A server three routers away answers in well under 10 ms
    const count = find('netdiag_monitor_dns_response_duration_seconds_count', www)[0]!.value;
    const sum = find('netdiag_monitor_dns_response_duration_seconds_sum', www)[0]!.value;
    expect(count).toBe(answers[0]!.value);
    expect(sum / count).toBeGreaterThan(0);
    expect(sum / count).toBeLessThan(0.01);
    const check = await lab.exec('client', ['promtool', 'check', 'metrics'], { input: body });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
