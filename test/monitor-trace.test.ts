import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLab } from './lab/index.js';
import { type Daemon, httpIn, samples, sleep, startAgent, waitReady } from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19374';

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
    let agent: Daemon | undefined;
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
      await agent?.stop();
      rmSync(dir, { recursive: true, force: true });
      await lab.destroy();
    }
  });
});
