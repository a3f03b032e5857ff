import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecResult, Lab } from './lab/index.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { createFaultLab, pointResolver, STACK } from './support/fault-lab.js';

// The path breaks while a run is under way and comes back: the client's link goes down (its
// routes go with it: sends fail with ENETUNREACH) and up (the routes are put back, as a routing
// daemon would), or the route to the target alone is removed and put back. A run goes on
// through it, says what failed, and ends with its summary: what iputils ping does on the same
// path at the same time.
describe.skipIf(process.getuid?.() !== 0)(
  'runs through a link or route that goes away and comes back (needs root)',
  () => {
    let lab: Lab;
    let removeNames = () => {};
    const target = () => lab.addr('target', 4);
    const gateway = () => lab.topology.chains.path!.hops[4][0]!;

    beforeAll(async () => {
      lab = await createFaultLab();
      // Names are looked up (no -n) against a resolver that refuses, as on a broken network.
      removeNames = pointResolver(lab.ns('client'), target());
    });
    afterAll(async () => {
      removeNames();
      await lab?.destroy();
    });

    /** The client's IPv4 routes via the gateway, to put back after the link comes up. */
    async function gatewayRoutes(): Promise<string[]> {
      const r = await lab.exec('client', ['ip', '-4', 'route', 'show']);
      return r.stdout.split('\n').filter((l) => l.includes(` via ${gateway()} `));
    }

    async function flapLink(downMs: number): Promise<void> {
      const routes = await gatewayRoutes();
      await lab.exec('client', ['ip', 'link', 'set', 'eth0', 'down']);
      await sleep(downMs);
      await lab.exec('client', ['ip', 'link', 'set', 'eth0', 'up']);
      for (const route of routes)
        await lab.exec('client', ['ip', 'route', 'replace', ...route.trim().split(/\s+/)]);
    }

    async function flapRoute(downMs: number): Promise<void> {
      const route = (await lab.exec('client', ['ip', '-4', 'route', 'show', 'match', target()])).stdout
        .split('\n')
        .find((l) => l.includes('via'))!;
      const words = route.trim().split(/\s+/);
      await lab.exec('client', ['ip', 'route', 'del', ...words]);
      await sleep(downMs);
      await lab.exec('client', ['ip', 'route', 'add', ...words]);
    }

    /**
     * Starts each run, waits until every one has shown `started` on stdout (its first answer: the
     * path works), breaks the path for `downMs`, and collects them all.
     */
    async function during(
      runs: { argv: string[]; started: RegExp }[],
      flap: (downMs: number) => Promise<void>,
      downMs = 1000,
    ): Promise<ExecResult[]> {
      const children = runs.map(({ argv, started }) => {
        const child = lab.spawn('client', argv);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (b: Buffer) => {
          stdout += b.toString();
        });
        child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString();
        });
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        const done = new Promise<ExecResult>((resolve) =>
          child.on('close', (code) => {
            clearTimeout(killer);
            resolve({ stdout, stderr, code });
          }),
        );
        const up = new Promise<void>((resolve) => {
          const check = () => (started.test(stdout) ? resolve() : undefined);
          child.stdout!.on('data', check);
          void done.then(() => resolve());
        });
        return { done, up };
      });
      await Promise.all(children.map((c) => c.up));
      await flap(downMs);
      return Promise.all(children.map((c) => c.done));
    }

    const pingReply = /bytes from/;

    const transmitted = (out: string) => Number(/(\d+) packets transmitted/.exec(out)?.[1]);
    const received = (out: string) => Number(/(\d+) received/.exec(out)?.[1]);

    it('ping across a link that goes down and up: reports the failed sends and ends with its summary, as iputils does', async () => {
      const [ours, theirs] = await during(
        [
          { argv: netdiagArgv('ping', '-c', '15', '-i', '0.2', '-W', '1', target()), started: pingReply },
          { argv: ['ping', '-c', '15', '-i', '0.2', '-W', '1', target()], started: pingReply },
        ],
        flapLink,
      );
      for (const r of [ours!, theirs!]) {
        expect(r.stderr).not.toMatch(STACK);
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0); // some replies came
        expect(transmitted(r.stdout)).toBeGreaterThan(received(r.stdout));
      }
      // iputils counts the failed sends silently here (as lost requests); netdiag says why.
      expect(ours!.stdout).toMatch(/^ping: sendmsg to 192\.0\.2\.\d+: network is unreachable$/m);
      expect(ours!.stdout).toMatch(/--- 192\.0\.2\.\d+ ping statistics ---/);
      expect(received(ours!.stdout)).toBeGreaterThan(0);
      // The run went on after the link came back: the last requests were answered.
      expect(ours!.stdout).toMatch(/icmp_seq=1[345] /);
    });

    it('ping across a route removed and put back: the same', async () => {
      const [ours, theirs] = await during(
        [
          { argv: netdiagArgv('ping', '-c', '15', '-i', '0.2', '-W', '1', target()), started: pingReply },
          { argv: ['ping', '-c', '15', '-i', '0.2', '-W', '1', target()], started: pingReply },
        ],
        flapRoute,
      );
      for (const r of [ours!, theirs!]) {
        expect(r.stderr).not.toMatch(STACK);
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(transmitted(r.stdout)).toBeGreaterThan(received(r.stdout));
      }
      expect(ours!.stdout).toMatch(/^ping: sendmsg to 192\.0\.2\.\d+: network is unreachable$/m);
      expect(ours!.stdout).toMatch(/icmp_seq=1[345] /);
    });

    it('ping --json through a link flap: send errors are events, the run ends with its summary', async () => {
      const [ours] = await during(
        [
          {
            argv: netdiagArgv('ping', '--json', '-c', '15', '-i', '0.2', '-W', '1', target()),
            started: /"reply"/,
          },
        ],
        flapLink,
      );
      expect(ours!.stderr).toBe('');
      expect(ours!.code).toBe(0);
      const events = ndjson(ours!.stdout);
      expect(events.some((e) => e.type === 'send-error')).toBe(true);
      expect(events.at(-1)!.type).toBe('end');
    });

    it('a continuous trace through a link flap, naming hops: goes on, reports the failed sends, ends with its summary, as mtr', async () => {
      // The resolver is beyond the gateway (silent): while the link is down it is unroutable too.
      removeNames();
      removeNames = pointResolver(lab.ns('client'), lab.addr('quiet', 4));
      const [ours, mtr] = await during(
        [
          {
            argv: netdiagArgv('trace', '--json', '-c', '20', '-i', '0.2', '-w', '1', target()),
            started: /"reached"/,
          },
          {
            argv: ['stdbuf', '-oL', 'mtr', '--raw', '-n', '-c', '20', '-i', '0.2', target()],
            started: /^p 1 /m,
          },
        ],
        flapLink,
      );
      expect(ours!.stderr).not.toMatch(STACK);
      expect(ours!.stderr).toBe('');
      expect(ours!.code, ours!.stdout).toBe(0);
      const events = ndjson(ours!.stdout);
      const failed = events.filter((e) => e.type === 'probe' && e.outcome === 'send-error');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((e) => e.errorCode === 'ENETUNREACH')).toBe(true);
      const end = events.at(-1) as {
        type: string;
        rounds: number;
        hops: { sent: number; received: number }[];
      };
      expect(end.type).toBe('end');
      expect(end.rounds).toBe(20);
      expect(end.hops).toHaveLength(2);
      // Some rounds lost, not all: the run went on after the link came back.
      const last = end.hops[1]!;
      expect(last.received).toBeGreaterThan(0);
      expect(last.received).toBeLessThan(last.sent);
      // mtr, on the same path at the same time, lost rounds to the flap too.
      expect(mtr!.code).toBe(0);
      expect(mtr!.stdout.split('\n').filter((l) => l.startsWith('p 1 ')).length).toBeLessThan(20);
    });

    // fping goes on with the hosts it can reach; so does netdiag. A lone host without a route is
    // still the one line and exit 2 of iputils ping (faults-no-network.test.ts).
    it('ping to several hosts, one without a route: the others are pinged, its requests fail one by one', async () => {
      const unroutable = '198.18.255.1';
      const r = await lab.exec('client', netdiagArgv('ping', '-c', '3', '-i', '0.2', target(), unroutable), {
        timeoutMs: 20_000,
      });
      expect(r.stderr).toBe('');
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/3 packets transmitted, 3 received/);
      expect(r.stdout.match(/^ping: sendmsg to 198\.18\.255\.1: network is unreachable$/gm)).toHaveLength(3);
      expect(r.stdout).toMatch(
        /--- 198\.18\.255\.1 ping statistics ---\n3 packets transmitted, 0 received, \+3 errors/,
      );
      const json = await lab.exec('client', netdiagArgv('ping', '--json', '-c', '1', target(), unroutable));
      const start = ndjson(json.stdout)[0] as { targets: { address: string; source: string | null }[] };
      expect(start.targets.map((t) => t.source)).toEqual([lab.addr('client', 4), null]);
    });
  },
);
