import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { makeCert, type TestCert } from './dns/secure-fronts.js';
import { useLab } from './lab/index.js';
import {
  type Daemon,
  httpIn,
  samples,
  sleep,
  startAgent,
  startDaemon,
  waitReady,
} from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19374';

describe.skipIf(!root)('netdiag monitor continuous TCP connects and TLS handshakes (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let web: Daemon | undefined;
  let tlsServer: Daemon | undefined;
  let cert: TestCert | undefined;
  let dir = '';
  const host = () => lab.addr('t3', 4);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-tcp-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    cert = makeCert();
    writeFileSync(join(dir, 'key.pem'), cert.key);
    // The CA the agent trusts, where nobody can read it (makeCert's directory is root's alone).
    writeFileSync(join(dir, 'ca.pem'), cert.cert);
    web = startDaemon(lab, 't3', [
      'python3',
      '-m',
      'http.server',
      '8080',
      '--bind',
      host(),
      '--directory',
      dir,
    ]);
    tlsServer = startDaemon(lab, 't3', [
      'openssl',
      's_server',
      '-quiet',
      '-naccept',
      '1000',
      '-accept',
      `${host()}:8443`,
      '-cert',
      cert.certPath,
      '-key',
      join(dir, 'key.pem'),
    ]);
    await waitReady(lab, 'client', `http://${host()}:8080/`, web);
    const file = join(dir, 'monitor.yml');
    writeFileSync(
      file,
      stringify({
        tcp: [
          { targets: [`${host()}:8080`, `${host()}:8081`], interval: '200ms', timeout: '1s' },
          {
            targets: [`${host()}:8443`],
            interval: '200ms',
            tls: { server_name: 'dns.netdiag.test', ca_file: join(dir, 'ca.pem') },
          },
          // the same server without its CA: every handshake fails verification
          { targets: [`${host()}:8443`], interval: '300ms', tls: true },
          {
            targets: [`${host()}:8443`],
            interval: '300ms',
            tls: { server_name: 'www.netdiag.test', ca_file: join(dir, 'ca.pem') },
          },
        ],
      }),
    );
    agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
    await sleep(3000);
  });

  afterAll(async () => {
    await agent?.stop();
    await web?.stop();
    await tlsServer?.stop();
    cert?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects, times the handshakes, and counts refusals and failed verification by reason', async () => {
    const body = (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
    const one = (metric: string, labels: Record<string, string>) =>
      samples(body, metric).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    const open = { target: `${host()}:8080`, tls: 'false' };
    const requests = one('netdiag_monitor_tcp_requests_total', open)[0]!.value;
    expect(requests).toBeGreaterThanOrEqual(8);
    expect(one('netdiag_monitor_tcp_successes_total', open)[0]!.value).toBeGreaterThanOrEqual(requests - 1);
    expect(one('netdiag_monitor_tcp_failures_total', open)).toEqual([]);
    const mean = (metric: string, labels: Record<string, string>) =>
      one(`${metric}_sum`, labels)[0]!.value / one(`${metric}_count`, labels)[0]!.value;
    // curl's connect time to the same server, now: both well under 10 ms three routers away
    const curl = await lab.exec('client', [
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{time_connect}',
      `http://${host()}:8080/`,
    ]);
    expect(Number(curl.stdout)).toBeLessThan(0.01);
    const connect = mean('netdiag_monitor_tcp_connect_duration_seconds', open);
    expect(connect).toBeGreaterThan(0);
    expect(connect).toBeLessThan(0.01);

    const closed = one('netdiag_monitor_tcp_failures_total', { target: `${host()}:8081` });
    expect(closed.map((s) => s.labels.reason)).toEqual(['refused']);
    expect(closed[0]!.value).toBeGreaterThanOrEqual(8);

    const tls = { target: `${host()}:8443`, tls: 'true', server_name: 'dns.netdiag.test' };
    const shown = body
      .split('\n')
      .filter((l) => l.startsWith('netdiag_monitor_tcp_successes_total'))
      .join('\n');
    expect(one('netdiag_monitor_tcp_successes_total', tls), shown).toHaveLength(1);
    expect(one('netdiag_monitor_tcp_successes_total', tls)[0]!.value).toBeGreaterThanOrEqual(8);
    expect(one('netdiag_monitor_tcp_failures_total', tls)).toEqual([]);
    expect(one('netdiag_monitor_tls_handshake_duration_seconds_count', tls)[0]!.value).toBeGreaterThanOrEqual(
      8,
    );
    // without the CA, or for a name the certificate does not carry: every handshake fails as 'tls'
    for (const serverName of ['', 'www.netdiag.test']) {
      const labels = { ...tls, server_name: serverName };
      expect(one('netdiag_monitor_tcp_successes_total', labels)[0]!.value).toBe(0);
      const failures = one('netdiag_monitor_tcp_failures_total', labels);
      expect(failures.map((s) => s.labels.reason)).toEqual(['tls']);
      expect(failures[0]!.value).toBeGreaterThanOrEqual(5);
    }
    const check = await lab.exec('client', ['promtool', 'check', 'metrics'], { input: body });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
