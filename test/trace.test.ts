import { describe, expect, it } from 'vitest';
import { createLab, type Lab, useLab } from './lab/index.js';
import { BACKENDS, withBackend } from './support/backends.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { mtrHops, tracerouteHops } from './support/peer-hops.js';

const root = process.getuid?.() === 0;
type Json = Record<string, unknown>;

/** The first responder of each hop in `netdiag trace --json` output, '*' for a silent hop. */
function netdiagHops(stdout: string): string[] {
  const end = ndjson(stdout).find((e) => e.type === 'end') as
    | { hops: { responders: { address: string }[] }[] }
    | undefined;
  if (!end) throw new Error(`no end event in:\n${stdout}`);
  return end.hops.map((h) => h.responders[0]?.address ?? '*');
}

const methodFlag = { icmp: '-I', udp: '-U', tcp: '-T' } as const;
const mtrFlag = { icmp: [], udp: ['-u'], tcp: ['-T', '-P', '80'] } as const;

for (const backend of BACKENDS)
  describe.skipIf(!root)(`netdiag trace in the lab, ${backend} backend (needs root)`, () => {
    const lab = withBackend(useLab(), backend);

    for (const family of [4, 6] as const) {
      for (const method of ['icmp', 'udp', 'tcp'] as const) {
        it(`finds the 8 routers and the target over IPv${family} with ${method}, as traceroute and mtr do`, async () => {
          const far = lab.addr('far', family);
          const expected = [...lab.topology.chains.main!.hops[family], far];
          const ours = await lab.exec(
            'client',
            netdiagArgv('trace', '-n', methodFlag[method], '--json', '-w', '2', far),
            { timeoutMs: 60_000 },
          );
          expect(ours.code, ours.stderr).toBe(0);
          expect(netdiagHops(ours.stdout)).toEqual(expected);
          const traceroute = await lab.exec(
            'client',
            [
              'traceroute',
              `-${family}`,
              '-n',
              methodFlag[method],
              ...(method === 'tcp' ? ['-p', '80'] : []),
              far,
            ],
            { timeoutMs: 60_000 },
          );
          expect(tracerouteHops(traceroute.stdout), traceroute.stdout + traceroute.stderr).toEqual(
            netdiagHops(ours.stdout),
          );
          const mtr = await lab.exec(
            'client',
            ['mtr', `-${family}`, '-n', '--report', '-c', '1', ...mtrFlag[method], far],
            { timeoutMs: 60_000 },
          );
          expect(mtrHops(mtr.stdout), mtr.stdout + mtr.stderr).toEqual(netdiagHops(ours.stdout));
        });
      }
    }

    it('prints traceroute’s lines when piped, and an mtr report with -c', async () => {
      const far = lab.addr('far', 4);
      const lines = await lab.exec('client', netdiagArgv('trace', '-n', far));
      expect(lines.stdout.split('\n')[0]).toBe(`traceroute to ${far} (${far}), 30 hops max, 60 byte packets`);
      expect(tracerouteHops(lines.stdout)).toEqual([...lab.topology.chains.main!.hops[4], far]);
      const report = await lab.exec('client', netdiagArgv('trace', '-n', '-c', '3', '-i', '0.05', far));
      expect(mtrHops(report.stdout)).toEqual([...lab.topology.chains.main!.hops[4], far]);
      expect(report.stdout).toMatch(/HOST: .*Loss%\s+Snt/);
      expect(report.stdout.split('\n').filter((l) => /\|--.* 0\.0%\s+3\s/.test(l))).toHaveLength(9);
    });

    it('shows !X for a target behind an admin-prohibited reject, and stops there', async () => {
      for (const family of [4, 6] as const) {
        const target = lab.addr('reject', family);
        const r = await lab.exec('client', netdiagArgv('trace', '-n', '-U', target));
        const lines = r.stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l));
        expect(lines).toHaveLength(4);
        expect(lines[3]).toContain('!X');
        expect(r.code).toBe(1);
        const tr = await lab.exec('client', ['traceroute', `-${family}`, '-n', '-U', target]);
        expect(
          tr.stdout
            .split('\n')
            .filter((l) => /^\s*\d+\s/.test(l))
            .at(-1),
        ).toContain('!X');
      }
    });

    // Once is enough for the engine's memory and arithmetic; the backend does not change them.
    it.skipIf(backend !== 'native-raw')(
      'runs 10,000 continuous rounds in bounded memory, its statistics equal to a recomputation from its own samples',
      async () => {
        const t3 = lab.addr('t3', 4);
        // A 48 MB heap cap: growth with the number of rounds would crash the run, and fail the test.
        const r = await lab.exec(
          'client',
          [
            process.execPath,
            '--max-old-space-size=48',
            ...netdiagArgv('trace', '-n', '--json', '-c', '10000', '-i', '0.001', '-w', '1', t3).slice(1),
          ],
          { timeoutMs: 240_000 },
        );
        expect(r.code, r.stderr).toBe(0);
        const events = ndjson(r.stdout);
        const end = events.find((e) => e.type === 'end') as {
          rounds: number;
          hops: {
            ttl: number;
            sent: number;
            received: number;
            avgMs: number;
            bestMs: number;
            worstMs: number;
            stdevMs: number;
            lastMs: number;
          }[];
        };
        expect(end.rounds).toBe(10_000);
        const samples = new Map<number, (number | null)[]>();
        for (const e of events as Json[]) {
          if (e.type !== 'probe') continue;
          const list = samples.get(e.ttl as number) ?? [];
          list.push(e.outcome === 'reply' ? (e.rttMs as number) : null);
          samples.set(e.ttl as number, list);
        }
        expect(end.hops).toHaveLength(4);
        for (const h of end.hops) {
          const all = samples.get(h.ttl)!;
          const rtts = all.filter((x): x is number => x !== null);
          const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
          const stdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / (rtts.length - 1));
          expect(h.sent).toBe(all.length);
          expect(h.received).toBe(rtts.length);
          expect(h.avgMs).toBeCloseTo(avg, 6);
          expect(h.stdevMs).toBeCloseTo(stdev, 6);
          expect(h.bestMs).toBe(Math.min(...rtts));
          expect(h.worstMs).toBe(Math.max(...rtts));
          expect(h.lastMs).toBe(rtts.at(-1));
        }
        expect(end.hops[0]!.sent).toBeGreaterThanOrEqual(9_990);
      },
    );
  });

describe.skipIf(!root)('netdiag trace on special labs (needs root)', () => {
  it('shows a silent router as an unanswered hop, reaches the target, and pays about one wait for it', async () => {
    const lab: Lab = await createLab({
      hosts: { r2: { silent: true } },
      chains: { path: { from: 'client', to: 'target', routers: 4 } },
    });
    try {
      const target = lab.addr('target', 4);
      const started = performance.now();
      const r = await lab.exec('client', netdiagArgv('trace', '-n', target));
      const elapsedMs = performance.now() - started;
      const hops = tracerouteHops(r.stdout);
      expect(hops).toEqual([
        lab.topology.chains.path!.hops[4][0],
        '*',
        ...lab.topology.chains.path!.hops[4].slice(2),
        target,
      ]);
      expect(r.stdout.split('\n')[2]).toMatch(/^ 2\s+\* \* \*$/);
      expect(r.code).toBe(0);
      // Three unanswered probes cost one (adaptive) wait together: far below a single 5 s wait.
      expect(elapsedMs).toBeLessThan(2500);
      const tr = await lab.exec('client', ['traceroute', '-n', target]);
      expect(tracerouteHops(tr.stdout)).toEqual(hops);
    } finally {
      await lab.destroy();
    }
  });

  // 16 flows over two paths all hash to the same one with probability 2^-15.
  it('shows both responders of a hop with two equal-cost paths, when probes use several flows', async () => {
    const hash = { 'net.ipv4.fib_multipath_hash_policy': 1, 'net.ipv6.fib_multipath_hash_policy': 1 };
    const lab: Lab = await createLab({
      hosts: { r1: { router: true, sysctl: hash }, r2: { router: true, sysctl: hash } },
      chains: {
        top: { from: 'r1', to: 'r2', routers: ['x'] },
        bottom: { from: 'r1', to: 'r2', routers: ['y'] },
      },
      links: [{ hosts: ['client', 'r1'] }, { hosts: ['r2', 'target'] }],
    });
    try {
      for (const family of [4, 6] as const) {
        for (const method of ['udp', 'tcp'] as const) {
          const target = lab.addr('target', family);
          const r = await lab.exec(
            'client',
            netdiagArgv(
              'trace',
              '-n',
              '--json',
              method === 'udp' ? '-U' : '-T',
              '-c',
              '16',
              '-i',
              '0.01',
              '--flows',
              '16',
              target,
            ),
          );
          const end = ndjson(r.stdout).find((e) => e.type === 'end') as {
            hops: { responders: { address: string }[] }[];
          };
          const hop2 = end.hops[1]!.responders.map((x) => x.address).sort();
          // Each router answers from its address on the link it shares with r1.
          const towardsR1 = (h: string) =>
            lab.topology.hosts[h]!.interfaces.find((i) => lab.topology.links[i.link]!.hosts.includes('r1'))!;
          const x = towardsR1('x');
          const y = towardsR1('y');
          expect(hop2, `${method} IPv${family}`).toEqual(
            [x[family === 4 ? 'v4' : 'v6'], y[family === 4 ? 'v4' : 'v6']].sort(),
          );
          // One flow alone stays on one path (Paris traceroute): a single responder.
          const one = await lab.exec(
            'client',
            netdiagArgv(
              'trace',
              '-n',
              '--json',
              method === 'udp' ? '-U' : '-T',
              '-c',
              '16',
              '-i',
              '0.01',
              target,
            ),
          );
          const oneEnd = ndjson(one.stdout).find((e) => e.type === 'end') as {
            hops: { responders: unknown[] }[];
          };
          expect(oneEnd.hops[1]!.responders).toHaveLength(1);
        }
      }
    } finally {
      await lab.destroy();
    }
  });
});
