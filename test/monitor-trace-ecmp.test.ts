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
const AGENT = '127.0.0.1:19378';

describe.skipIf(!root)('netdiag monitor continuous trace over load-balanced siblings (needs root)', () => {
  it('alternating between known siblings is no path change; a route to another router is one', async () => {
    // client - r1 - (x | y | z) - r2 - target. r1 balances the probes that expire at the second
    // hop between x and y, packet by packet (nftables numgen, a mark, a routing table per mark):
    // the second hop's responder alternates between two siblings, as behind a per-packet
    // balancer. Then r1's route moves to z, a router never seen there: a path change.
    const lab = await createLab({
      hosts: { r1: { router: true }, r2: { router: true } },
      chains: {
        top: { from: 'r1', to: 'r2', routers: ['x'] },
        middle: { from: 'r1', to: 'r2', routers: ['y'] },
        bottom: { from: 'r1', to: 'r2', routers: ['z'] },
      },
      links: [{ hosts: ['client', 'r1'] }, { hosts: ['r2', 'target'] }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-ecmp-'));
    chmodSync(dir, 0o755);
    let agent: Daemon | undefined;
    try {
      const target = lab.addr('target', 4);
      const via = (chain: 'top' | 'middle' | 'bottom') => lab.topology.chains[chain]!.hops[4][0]!;
      const r1 = async (...argv: string[]) => {
        const r = await lab.exec('r1', argv);
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      };
      await r1('ip', 'route', 'replace', `${target}/32`, 'via', via('top'));
      await r1('ip', 'route', 'replace', `${target}/32`, 'via', via('top'), 'table', '101');
      await r1('ip', 'route', 'replace', `${target}/32`, 'via', via('middle'), 'table', '102');
      await r1('ip', 'rule', 'add', 'fwmark', '1', 'lookup', '101', 'priority', '100');
      await r1('ip', 'rule', 'add', 'fwmark', '2', 'lookup', '102', 'priority', '101');
      await r1(
        'nft',
        [
          'add table ip lb',
          'add chain ip lb pre { type filter hook prerouting priority mangle; }',
          // At r1 a probe that expires at the next router still has a TTL of 2.
          `add rule ip lb pre ip daddr ${target} ip ttl 2 meta mark set numgen inc mod 2 offset 1`,
        ].join('\n'),
      );
      // traceroute sees both siblings at the second hop.
      const tr = await lab.exec('client', [
        'traceroute',
        '-n',
        '-I',
        '-q',
        '4',
        '-f',
        '2',
        '-m',
        '2',
        target,
      ]);
      const second = new Set(tr.stdout.match(/\d+\.\d+\.\d+\.\d+/g)!.filter((a) => a !== target));
      expect(second, tr.stdout).toEqual(new Set([via('top'), via('middle')]));

      const file = join(dir, 'monitor.yml');
      writeFileSync(file, stringify({ traces: [{ hosts: [target], interval: '200ms', max_hops: 6 }] }));
      // The agent's own probes meet both siblings: their time-exceeded messages, off the wire.
      const dump = startDaemon(lab, 'client', [
        'tcpdump',
        '-i',
        'any',
        '-l',
        '-nn',
        'icmp[icmptype] == icmp-timxceed',
      ]);
      await sleep(1000); // tcpdump's filter in place
      agent = startAgent(lab, 'client', ['--config', file, '--listen', AGENT]);
      await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
      const metrics = async () => (await httpIn(lab, 'client', `http://${AGENT}/metrics`)).body;
      const changes = async () =>
        samples(await metrics(), 'netdiag_monitor_trace_path_changes_total')[0]?.value;

      await sleep(4000); // 20 rounds, alternating at the second hop
      await dump.stop();
      const expired = new Set(
        [...dump.output().matchAll(/IP (\S+) > \S+: ICMP time exceeded/g)].map((m) => m[1]),
      );
      expect(expired.has(via('top')) && expired.has(via('middle')), dump.output().slice(0, 2000)).toBe(true);
      expect(await changes()).toBe(0);
      expect(samples(await metrics(), 'netdiag_monitor_trace_hops')[0]?.value).toBe(4);

      // A real route change: the balancing ends, and r1 sends everything via z.
      await r1('nft', 'delete table ip lb');
      await r1('ip', 'route', 'replace', `${target}/32`, 'via', via('bottom'));
      const after = await lab.exec('client', ['traceroute', '-n', '-I', '-q', '1', target]);
      expect(after.stdout).toContain(via('bottom'));
      await sleep(2500);
      expect(await changes()).toBe(1);
      await sleep(2000); // and z, now known, is no further change
      expect(await changes()).toBe(1);
    } finally {
      await agent?.stop();
      rmSync(dir, { recursive: true, force: true });
      await lab.destroy();
    }
  });
});
