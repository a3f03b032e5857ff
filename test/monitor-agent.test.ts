import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { useLab } from './lab/index.js';
import { netdiagArgv } from './support/cli.js';
import { type Daemon, httpIn, samples, sleep, startAgent, waitReady } from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19374';

describe.skipIf(!root)('netdiag monitor: reload and bad input (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let dir = '';
  let file = '';
  const addr = (host: string) => lab.addr(host, 4);

  const writeConfig = (hosts: string[], extra: object = {}) =>
    writeFileSync(
      file,
      stringify({
        targets: [{ hosts, interval: '200ms', timeout: '150ms' }],
        modules: {
          icmp_burst: {
            prober: 'icmp',
            timeout: '3s',
            icmp: { preferred_ip_protocol: 'ip4', packets: 50, packet_interval: '10ms' },
          },
          icmp_slow: { prober: 'icmp', timeout: '2s', icmp: { preferred_ip_protocol: 'ip4' } },
        },
        probe: { allow: [`${addr('lossy')}/32`, addr('reject')], max_concurrent: 1 },
        ...extra,
      }),
    );
  const metrics = async () => (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
  const requests = async () =>
    new Map(samples(await metrics(), 'smokeping_requests_total').map((s) => [s.labels.ip!, s.value]));
  const until = async (what: () => Promise<boolean>, label: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}:\n${agent?.output()}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-agent-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    file = join(dir, 'monitor.yml');
    writeConfig([addr('t3'), addr('far')]);
    agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
    await until(async () => ((await requests()).get(addr('t3')) ?? 0) >= 5, 'five requests to t3');
  });

  afterAll(async () => {
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGHUP reloads: a target added, one removed, the unchanged one keeps counting', async () => {
    const before = (await requests()).get(addr('t3'))!;
    writeConfig([addr('t3'), addr('delayed')]);
    process.kill(agent!.pid, 'SIGHUP');
    await until(async () => (await requests()).has(addr('delayed')), 'delayed to appear');
    const after = await requests();
    expect([...after.keys()].sort()).toEqual([addr('t3'), addr('delayed')].sort());
    expect(after.get(addr('t3'))).toBeGreaterThanOrEqual(before);
    await until(
      async () => ((await requests()).get(addr('t3')) ?? 0) > after.get(addr('t3'))! + 2,
      't3 counting on',
    );
    expect(agent!.output()).toMatch(/config reloaded: 1 added, 1 removed, 1 kept/);
  });

  it('POST /-/reload reloads the same way and says what changed', async () => {
    const before = (await requests()).get(addr('t3'))!;
    writeConfig([addr('t3'), addr('lossy')]);
    const r = await httpIn(lab, 'client', `http://${AGENT}/-/reload`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('config reloaded: 1 added, 1 removed, 1 kept\n');
    const after = await requests();
    expect([...after.keys()].sort()).toEqual([addr('t3'), addr('lossy')].sort());
    expect(after.get(addr('t3'))).toBeGreaterThanOrEqual(before);
    expect((await httpIn(lab, 'client', `http://${AGENT}/-/reload`)).status).toBe(405);
  });

  const broken: [string, string, RegExp][] = [
    [
      'a count of the wrong type',
      'targets:\n  - hosts: [192.0.2.1]\n    count: many\n',
      /monitor\.yml:3:12: count must be a whole number/,
    ],
    [
      'an interval that is no duration',
      'targets:\n  - hosts: [192.0.2.1]\n    interval: 5\n',
      /monitor\.yml:3:15: interval: '5' is not a duration/,
    ],
    [
      'an unknown field',
      'targets:\n  - hosts: [192.0.2.1]\n    intervall: 1s\n',
      /monitor\.yml:3:5: a targets entry: unknown field 'intervall'/,
    ],
    [
      'hosts that are not a list',
      'targets:\n  - hosts: 192.0.2.1\n',
      /monitor\.yml:2:12: hosts must be a list/,
    ],
    ['broken YAML', 'targets:\n  - hosts: [192.0.2.1\n', /monitor\.yml:\d+:\d+: /],
    [
      'an unknown prober',
      'modules:\n  x:\n    prober: http\n',
      /monitor\.yml:3:13: module x: prober 'http' is not served/,
    ],
  ];
  for (const [what, text, error] of broken)
    it(`a config with ${what} changes nothing and says where`, async () => {
      const before = await requests();
      writeFileSync(file, text);
      const r = await httpIn(lab, 'client', `http://${AGENT}/-/reload`, { method: 'POST' });
      expect(r.status).toBe(500);
      expect(r.body).toMatch(/^failed to reload config: /);
      expect(r.body).toMatch(error);
      const after = await requests();
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      expect(samples(await metrics(), 'netdiag_monitor_config_last_reload_successful')[0]?.value).toBe(0);
      // and the same file by SIGHUP: a line on stderr, the agent runs on
      process.kill(agent!.pid, 'SIGHUP');
      await until(
        async () => /reload failed, running config kept: .*monitor\.yml:\d+:\d+/.test(agent!.output()),
        'the SIGHUP line',
      );
      await until(
        async () => ((await requests()).get(addr('t3')) ?? 0) > after.get(addr('t3'))!,
        't3 counting on',
      );
    });

  it('/probe with several packets reports the loss among them', async () => {
    writeConfig([addr('t3'), addr('lossy')]);
    expect((await httpIn(lab, 'client', `http://${AGENT}/-/reload`, { method: 'POST' })).status).toBe(200);
    const r = await httpIn(lab, 'client', `http://${AGENT}/probe?module=icmp_burst&target=${addr('lossy')}`);
    expect(r.status, r.body).toBe(200);
    const value = (n: string) => samples(r.body, n)[0]?.value;
    expect(value('netdiag_probe_icmp_requests')).toBe(50);
    const replies = value('netdiag_probe_icmp_replies')!;
    // 30% of requests dropped: 50 trials, 99.9999% two-sided bounds on the replies are 20 to 46.
    expect(replies).toBeGreaterThanOrEqual(20);
    expect(replies).toBeLessThanOrEqual(46);
    expect(value('netdiag_probe_icmp_loss_ratio')).toBeCloseTo(1 - replies / 50, 9);
    expect(value('probe_success')).toBe(1);
    const t3 = await httpIn(lab, 'client', `http://${AGENT}/probe?module=icmp_burst&target=${addr('t3')}`);
    expect(samples(t3.body, 'netdiag_probe_icmp_replies')[0]?.value).toBe(50);
  });

  it('bad requests get a clear status, and the agent keeps running', async () => {
    const get = (q: string, headers?: Record<string, string>) =>
      httpIn(lab, 'client', `http://${AGENT}/probe?${q}`, headers ? { headers } : {});
    const unknown = await get(`module=nope&target=${addr('t3')}`);
    expect([unknown.status, unknown.body]).toEqual([400, 'Unknown module "nope"\n']);
    const missing = await get('module=icmp');
    expect([missing.status, missing.body]).toEqual([400, 'Target parameter is missing\n']);
    const denied = await get(`module=icmp&target=${addr('far')}`);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('--probe-any');
    const badTimeout = await get(`module=icmp_slow&target=${addr('t3')}`, {
      'X-Prometheus-Scrape-Timeout-Seconds': 'soon',
    });
    expect(badTimeout.status).toBe(400);
    const huge = await get(`module=icmp&target=${'a'.repeat(20_000)}`);
    expect(huge.status).toBe(431);
    expect((await httpIn(lab, 'client', `http://${AGENT}/nothing`)).status).toBe(404);
    const garbage = await lab.exec('client', [
      'python3',
      '-c',
      "import socket;s=socket.create_connection(('127.0.0.1',19374));s.sendall(b'\\x16\\x03\\x01 GARBAGE\\r\\n\\r\\n');print(s.recv(200).decode('latin1').splitlines()[0])",
    ]);
    expect(garbage.stdout.trim()).toBe('HTTP/1.1 400 Bad Request');
    // probe.max_concurrent is 1: a second probe while one waits on a silent target is refused
    const [slow, second] = await Promise.all([
      get(`module=icmp_slow&target=${addr('reject')}`),
      sleep(300).then(() => get(`module=icmp_slow&target=${addr('lossy')}`)),
    ]);
    expect(slow.status).toBe(200);
    expect(samples(slow.body, 'probe_success')[0]?.value).toBe(0);
    expect(second.status).toBe(503);
    expect((await httpIn(lab, 'client', `http://${AGENT}/-/healthy`)).status).toBe(200);
    const before = (await requests()).get(addr('t3'))!;
    await until(async () => ((await requests()).get(addr('t3')) ?? 0) > before, 't3 counting on');
  });

  it('start-up failures are one line and exit 2: a bad config, --check-config, a port in use', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'targets:\n  - hosts: [192.0.2.1]\n    size: -5\n');
    const run = (...args: string[]) =>
      lab.exec('client', netdiagArgv('monitor', ...args), { timeoutMs: 20_000 });
    const started = await run('--config', bad, '--listen', '127.0.0.1:19375');
    expect(started.code).toBe(2);
    expect(started.stderr).toBe(`netdiag: monitor: ${bad}:3:11: size must be 16 to 65507, not -5\n`);
    const check = await run('--check-config', '--config', bad);
    expect(check.code).toBe(2);
    expect(check.stderr.trim().split('\n')).toHaveLength(1);
    writeConfig([addr('t3')]);
    const good = await run('--check-config', '--config', file);
    expect([good.code, good.stdout]).toEqual([0, `${file}: valid: 1 targets, 3 modules\n`]);
    const inUse = await run('--listen', AGENT, addr('t3'));
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toBe(`netdiag: monitor: cannot listen on ${AGENT}: address in use\n`);
    const badListen = await run('--listen', 'nowhere', addr('t3'));
    expect(badListen.code).toBe(2);
  });
});
