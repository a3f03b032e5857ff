import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { digHeader } from './dns/dig.js';
import type { KnotServer } from './dns/knot.js';
import { type Front, startSecureServers, stopSecureServers, type TestCert } from './dns/secure-fronts.js';
import { netdiagArgv } from './support/cli.js';
import { samples, sleep } from './support/monitor.js';

const run = promisify(execFile);
const root = process.getuid?.() === 0;

/**
 * Continuous DNS over HTTPS: the agent (on this host's loopback, as the DoH front is) asks knotd
 * through an HTTP/2 front with a certificate made now, and counts answers by rcode as dig +https
 * sees them from the same front.
 */
describe.skipIf(!root)('netdiag monitor continuous DNS over HTTPS (needs root)', () => {
  let knot: KnotServer | undefined;
  let cert: TestCert | undefined;
  let dot: Front | undefined;
  let doh: Front | undefined;
  let agent: ChildProcess | undefined;
  let output = '';
  let dir = '';
  let port = 0;
  const url = () => `https://127.0.0.1:${doh!.port}/dns-query`;
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  beforeAll(async () => {
    ({ knot, cert, dot, doh } = await startSecureServers());
    // The agent reads the CA as nobody (it drops privilege once its sockets are open).
    chmodSync(dirname(cert.certPath), 0o755);
    chmodSync(cert.certPath, 0o644);
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-doh-'));
    chmodSync(dir, 0o755);
    const file = join(dir, 'monitor.yml');
    writeFileSync(
      file,
      stringify({
        dns: [
          {
            servers: [url()],
            transport: 'https',
            ca_file: cert.certPath,
            name: 'www.netdiag.test',
            interval: '200ms',
          },
          // No CA given: the system's store does not know the test certificate.
          { servers: [url()], transport: 'https', name: 'untrusted.netdiag.test', interval: '200ms' },
          {
            servers: [url()],
            transport: 'https',
            ca_file: cert.certPath,
            name: 'nothing.netdiag.test',
            interval: '200ms',
          },
        ],
      }),
    );
    port = 20_000 + Math.floor(Math.random() * 20_000);
    const [file0, ...args] = netdiagArgv('monitor', '--config', file, '--listen', `127.0.0.1:${port}`);
    agent = spawn(file0!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    });
    agent.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    });
    for (let i = 0; ; i++) {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/-/healthy`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error(`agent not ready: ${output}`);
      await sleep(200);
    }
    await sleep(2500);
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.pid !== undefined) {
      const exited = new Promise((r) => agent!.once('exit', r));
      process.kill(agent.pid, 'SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await stopSecureServers({ knot, cert, dot, doh });
  });

  it('counts answers by rcode as dig +https sees them, and a certificate it cannot trust as tls', async () => {
    const body = await metrics();
    const find = (metric: string, labels: Record<string, string>) =>
      samples(body, metric).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    const status = async (name: string) => {
      const { stdout } = await run('dig', [
        '+https',
        `+tls-ca=${cert!.certPath}`,
        '-p',
        String(doh!.port),
        '@127.0.0.1',
        name,
        'A',
      ]);
      return digHeader(stdout).status;
    };
    const www = { server: url(), name: 'www.netdiag.test', transport: 'https' };
    const requests = find('netdiag_monitor_dns_requests_total', www)[0]!.value;
    expect(requests).toBeGreaterThanOrEqual(8);
    const answers = find('netdiag_monitor_dns_responses_total', www);
    expect(answers.map((s) => s.labels.rcode)).toEqual([await status('www.netdiag.test')]);
    expect(answers[0]!.value).toBeGreaterThanOrEqual(requests - 1);
    expect(find('netdiag_monitor_dns_response_duration_seconds_count', www)[0]!.value).toBe(
      answers[0]!.value,
    );

    const missing = find('netdiag_monitor_dns_responses_total', { name: 'nothing.netdiag.test' });
    expect(missing.map((s) => s.labels.rcode)).toEqual([await status('nothing.netdiag.test')]);
    expect(missing[0]!.labels.rcode).toBe('NXDOMAIN');
    const untrusted = find('netdiag_monitor_dns_failures_total', { name: 'untrusted.netdiag.test' });
    expect(untrusted.map((s) => s.labels.reason)).toEqual(['tls']);
    expect(untrusted[0]!.value).toBeGreaterThanOrEqual(5);
    // One HTTP/2 session per target for the whole run, not one per query.
    expect(doh!.accepted()).toBeLessThanOrEqual(4);
    expect(doh!.methods!().POST).toBeGreaterThanOrEqual(2 * (requests - 1));
  });
});
