import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLab } from './lab/index.js';
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

/** traceroute -n -I's hop addresses ('*' for none), as the path stands now. */
function tracerouteHops(stdout: string): string[] {
  return stdout
    .split('\n')
    .slice(1)
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => /^\s*\d+\s+(\S+)/.exec(l)![1]!);
}

describe.skipIf(!root)('netdiag monitor continuous traces (needs root)', () => {
  it('counts a route moved to other routers as one path change, with per-hop counts', async () => {
    // client - r1 - (x | y) - r2 - target: two equal paths; r1's route picks one.
    const lab = await createLab({
      hosts: { r1: { router: true }, r2: { router: true } },
      chains: {
        top: { from: 'r1', to: 'r2', routers: ['x'] },
        bottom: { from: 'r1', to: 'r2', routers: ['y'] },
      },
      links: [{ hosts: ['client', 'r1'] }, { hosts: ['r2', 'target'] }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-trace-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    let agent: Daemon | undefined;
    let prometheus: Daemon | undefined;
    try {
      const target = lab.addr('target', 4);
      const via = (chain: 'top' | 'bottom') => lab.topology.chains[chain]!.hops[4][0]!;
      const pin = async (chain: 'top' | 'bottom') => {
        const r = await lab.exec('r1', ['ip', 'route', 'replace', `${target}/32`, 'via', via(chain)]);
        expect(r.code, r.stderr).toBe(0);
      };
      await pin('top');
      const before = tracerouteHops(
        (await lab.exec('client', ['traceroute', '-n', '-I', '-q', '1', target])).stdout,
      );
      expect(before[1]).toBe(via('top'));

      const file = join(dir, 'monitor.yml');
      writeFileSync(file, stringify({ traces: [{ hosts: [target], interval: '200ms', max_hops: 8 }] }));
      agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
      await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
      // Debian's Prometheus scrapes the agent every second: the change must show through it too.
      writeFileSync(
        join(dir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s' },
          scrape_configs: [{ job_name: 'netdiag-monitor', static_configs: [{ targets: [AGENT] }] }],
        }),
      );
      prometheus = startDaemon(lab, 'client', [
        'prometheus',
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${PROM}`,
      ]);
      await waitReady(lab, 'client', `http://${PROM}/-/ready`, prometheus);
      const promQuery = async (q: string) => {
        const r = await httpIn(lab, 'client', `http://${PROM}/api/v1/query?query=${encodeURIComponent(q)}`);
        const data = JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } };
        return data.data.result.map((x) => Number(x.value[1]));
      };
      // Prometheus applies its targets some seconds after start: wait for its first scrapes.
      for (let i = 0; (await promQuery('netdiag_monitor_trace_path_changes_total')).length === 0; i++) {
        if (i > 150) throw new Error(`Prometheus never scraped the agent:\n${prometheus.output()}`);
        await sleep(200);
      }
      const metrics = async () => (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
      const value = async (name: string, labels: Record<string, string> = {}) =>
        samples(await metrics(), name).find((s) =>
          Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )?.value;

      await sleep(2500); // past the warm-up rounds, on the top path
      expect(await value('netdiag_monitor_trace_path_changes_total')).toBe(0);
      expect(await value('netdiag_monitor_trace_hops')).toBe(before.length);

      await pin('bottom');
      const after = tracerouteHops(
        (await lab.exec('client', ['traceroute', '-n', '-I', '-q', '1', target])).stdout,
      );
      expect(after[1]).toBe(via('bottom'));
      await sleep(2500);
      expect(await value('netdiag_monitor_trace_path_changes_total')).toBe(1);
      expect(await value('netdiag_monitor_trace_hops')).toBe(after.length);
      await sleep(2500); // scrapes after the change
      expect(await promQuery(`netdiag_monitor_trace_path_changes_total{ip="${target}"}`), 'instant').toEqual([
        1,
      ]);
      expect(
        await promQuery(`changes(netdiag_monitor_trace_path_changes_total{ip="${target}"}[1m])`),
      ).toEqual([1]);

      // Per hop: every hop answers every probe on this lossless path, labels bounded by max_hops.
      const body = await metrics();
      const requests = samples(body, 'netdiag_monitor_trace_hop_requests_total');
      const responses = samples(body, 'netdiag_monitor_trace_hop_responses_total');
      expect(requests.map((s) => s.labels.hop)).toEqual(['1', '2', '3', '4']);
      for (const [i, r] of requests.entries()) {
        expect(r.value).toBeGreaterThan(10);
        // the round in flight at the scrape may lack its last answers
        expect(responses[i]!.value).toBeGreaterThanOrEqual(r.value - 1);
      }
      expect(samples(body, 'netdiag_monitor_trace_hop_rtt_seconds_count')).toHaveLength(4);
      const check = await lab.exec('client', ['promtool', 'check', 'metrics'], { input: body });
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      await prometheus?.stop();
      await agent?.stop();
      rmSync(dir, { recursive: true, force: true });
      await lab.destroy();
    }
  });
});
