import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { useLab } from './lab/index.js';
import { binomialInterval } from './support/binomial.js';
import { repoRoot } from './support/cli.js';
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
const PROM = '127.0.0.1:19090';

describe.skipIf(!root)('netdiag monitor under a real Prometheus (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let prometheus: Daemon | undefined;
  let dir = '';
  const t3 = () => lab.addr('t3', 4);
  const t3v6 = () => lab.addr('t3', 6);
  const delayed = () => lab.addr('delayed', 4);
  const lossy = () => lab.addr('lossy', 4);

  /** Prometheus's HTTP API: an instant query's vector, by the labels asked for. */
  const query = async (promql: string) => {
    const r = await httpIn(lab, 'client', `http://${PROM}/api/v1/query?query=${encodeURIComponent(promql)}`);
    expect(r.status, r.body).toBe(200);
    const json = JSON.parse(r.body) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return json.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  };
  const one = async (promql: string) => {
    const v = await query(promql);
    expect(v, promql).toHaveLength(1);
    return v[0]!.value;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-prom-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    const config = {
      targets: [
        { hosts: [t3(), t3v6(), delayed()], interval: '1s' },
        // 20 requests a second to the lossy target: enough trials in 16 s for a tight bound.
        { hosts: [lossy()], interval: '1s', count: 20, timeout: '500ms' },
      ],
    };
    writeFileSync(join(dir, 'monitor.yml'), stringify(config));
    // The README's scrape config, pointed at the lab's agent and scraping every second.
    const prom = parse(readFileSync(`${repoRoot}packages/monitor/examples/prometheus.yml`, 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: object }[] }[];
    };
    prom.global.scrape_interval = '1s';
    prom.global.scrape_timeout = '1s';
    prom.scrape_configs = prom.scrape_configs.filter((c) => c.job_name === 'netdiag-monitor');
    prom.scrape_configs[0]!.static_configs = [{ targets: [AGENT], labels: { vantage: 'client' } }];
    writeFileSync(join(dir, 'prometheus.yml'), stringify(prom));

    agent = startAgent(lab, 'client', ['--config', join(dir, 'monitor.yml'), '--listen', AGENT]);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
    prometheus = startDaemon(lab, 'client', [
      'prometheus',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${PROM}`,
    ]);
    await waitReady(lab, 'client', `http://${PROM}/-/ready`, prometheus);
    // 16 s of scrapes, one a second: every rate below has its 10 s window full, past the first
    // scrapes (a window that reaches back before a series' first sample reads a lower rate).
    await sleep(16_000);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Prometheus scrapes the agent and computes per-target request rates', async () => {
    expect(await one(`up{job="netdiag-monitor"}`)).toBe(1);
    const rates = await query('rate(smokeping_requests_total[10s])');
    const byIp = new Map(rates.map((r) => [r.metric.ip, r.value]));
    for (const ip of [t3(), t3v6(), delayed()]) expect(byIp.get(ip), ip).toBeGreaterThan(0.8);
    for (const ip of [t3(), t3v6(), delayed()]) expect(byIp.get(ip), ip).toBeLessThan(1.2);
    expect(byIp.get(lossy())).toBeGreaterThan(16);
    expect(byIp.get(lossy())).toBeLessThan(24);
    for (const r of rates) expect(r.metric.vantage).toBe('client');
  });

  it('histogram quantiles from Prometheus put each target where its RTT is', async () => {
    const q = (ip: string, level: number) =>
      one(`histogram_quantile(${level}, rate(smokeping_response_duration_seconds_bucket{ip="${ip}"}[10s]))`);
    // The delayed target answers after 20 ms: its median falls in the 12.8-25.6 ms bucket.
    const delayedMedian = await q(delayed(), 0.5);
    expect(delayedMedian).toBeGreaterThanOrEqual(0.0128);
    expect(delayedMedian).toBeLessThanOrEqual(0.0256);
    // t3 answers in well under a millisecond across three routers.
    expect(await q(t3(), 0.9)).toBeLessThan(0.0016);
    expect(await q(t3v6(), 0.9)).toBeLessThan(0.0016);
    // The histogram's mean against iputils ping's average on the same path, same moment.
    const mean = await one(
      `rate(smokeping_response_duration_seconds_sum{ip="${delayed()}"}[10s]) / rate(smokeping_response_duration_seconds_count{ip="${delayed()}"}[10s])`,
    );
    const ping = await lab.exec('client', ['ping', '-n', '-q', '-c', '10', '-i', '0.2', delayed()]);
    const avg = Number(/= [\d.]+\/([\d.]+)\//.exec(ping.stdout)?.[1]) / 1000;
    expect(Math.abs(mean - avg)).toBeLessThan(0.001);
  });

  it('the loss behind 30% injected loss falls within binomial bounds, and no other target loses', async () => {
    const lost = await one(`netdiag_monitor_timeouts_total{ip="${lossy()}"}`);
    const answered = await one(`smokeping_response_duration_seconds_count{ip="${lossy()}"}`);
    const late = await one(`netdiag_monitor_late_responses_total{ip="${lossy()}"}`);
    const n = lost + answered;
    expect(n).toBeGreaterThan(150);
    expect(late).toBe(0);
    const [lo, hi] = binomialInterval(n, 0.3, 0.999_999);
    expect(lost).toBeGreaterThanOrEqual(lo);
    expect(lost).toBeLessThanOrEqual(hi);
    for (const ip of [t3(), t3v6(), delayed()]) {
      expect(await one(`netdiag_monitor_timeouts_total{ip="${ip}"}`), ip).toBe(0);
      expect(await one(`smokeping_response_duplicates_total{ip="${ip}"}`), ip).toBe(0);
    }
  });

  it('promtool check metrics passes on /metrics in the text format', async () => {
    const body = (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
    expect(samples(body, 'smokeping_requests_total')).toHaveLength(4);
    const check = await lab.exec('client', ['promtool', 'check', 'metrics'], { input: body });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toBe('');
  });

  it('the agent exports its own scheduling delay: a stalled agent shows in it, not in the RTTs', async () => {
    // Not a bound on the delay (that would measure the machine the test runs on): the agent is
    // stopped for 1.5 s, so the requests due meanwhile leave late, and the replies that arrive
    // meanwhile are timestamped by the kernel, so the stall must not show as network delay.
    const scrape = async () => (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
    /** Observations above `bound` (one of the histogram's bucket bounds), per series' labels. */
    const above = (body: string, name: string, bound: number, match: Record<string, string> = {}) => {
      const fits = (labels: Record<string, string>) =>
        Object.entries(match).every(([k, v]) => labels[k] === v);
      const count = samples(body, `${name}_count`).filter((x) => fits(x.labels));
      const within = samples(body, `${name}_bucket`).filter(
        (x) => fits(x.labels) && Number(x.labels.le) === bound,
      );
      expect(count.length, name).toBeGreaterThan(0);
      expect(within.length, `${name} le=${bound}`).toBe(count.length);
      return count.reduce((n, x) => n + x.value, 0) - within.reduce((n, x) => n + x.value, 0);
    };
    const delay = 'netdiag_monitor_scheduling_delay_seconds';
    const rtt = 'smokeping_response_duration_seconds';
    const rttBound = 0.4096; // a smokeping bucket bound: 0.00005 * 2^13
    const before = await scrape();
    process.kill(agent!.pid, 'SIGSTOP');
    try {
      await sleep(1500);
    } finally {
      process.kill(agent!.pid, 'SIGCONT');
    }
    await sleep(1500);
    const after = await scrape();
    // Each target sends once on waking, late by up to the stall, and skips the slots that passed
    // (never a burst): the lossy target's (every 50 ms) went over 1 s late, and some 28 of its
    // slots were skipped.
    expect(above(after, delay, 1) - above(before, delay, 1)).toBeGreaterThanOrEqual(1);
    const skipped = (body: string) => samples(body, 'netdiag_monitor_skipped_sends_total')[0]!.value;
    expect(skipped(after) - skipped(before)).toBeGreaterThanOrEqual(20);
    for (const ip of [t3(), t3v6()])
      expect(above(after, rtt, rttBound, { ip }) - above(before, rtt, rttBound, { ip }), ip).toBe(0);
    expect(await one('process_resident_memory_bytes{job="netdiag-monitor"}')).toBeGreaterThan(0);
  });
});
