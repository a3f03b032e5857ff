import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { asNobody, ndjson, netdiagArgv } from './support/cli.js';

const root = process.getuid?.() === 0;

/**
 * The path MTU at each TTL as `tracepath -n` finds it: a line ending `pmtu N` is a probe that
 * was too big (the local kernel's `[LOCALHOST]`, or a router), after which tracepath probes
 * again at N; a hop's own reply line (time exceeded, or `reached`) answered a probe of the size
 * in force then.
 */
export function tracepathMtus(stdout: string): Map<number, number> {
  const out = new Map<number, number>();
  let mtu: number | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)(\??):\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const pmtu = /pmtu (\d+)/.exec(m[4]!);
    if (pmtu) {
      mtu = Number(pmtu[1]);
      continue;
    }
    if (m[2] === '?' || m[3] === 'no' || mtu === undefined) continue;
    out.set(Number(m[1]), mtu);
  }
  return out;
}

/** The per-hop path MTU of `netdiag trace --mtu --json`'s end event. */
function netdiagMtus(stdout: string): Map<number, number> {
  const end = ndjson(stdout).find((e) => e.type === 'end') as
    | { hops: { ttl: number; pmtu?: number }[] }
    | undefined;
  if (!end) throw new Error(`no end event in:\n${stdout}`);
  return new Map(end.hops.flatMap((h) => (h.pmtu === undefined ? [] : [[h.ttl, h.pmtu] as const])));
}

/** The `pmtu N` each traceroute-style line ends with, by TTL. */
function lineMtus(stdout: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s.*\spmtu (\d+)$/.exec(line);
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

describe.skipIf(!root)('netdiag trace --mtu against tracepath (needs root)', () => {
  // client -> r1 -> r2 -> r3 -> target; the links' MTUs: 1500, 1400, 1280, 1500.
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({
      // ICMP datagram sockets for anyone: the unprivileged run below uses them.
      hosts: { client: { pingGroupRange: [0, 2_147_483_647] } },
      chains: { path: { from: 'client', to: 'target', routers: 3 } },
    });
    const [r1, r2, r3] = lab.topology.chains.path!.routers;
    await setLinkMtu(lab, 'client', r1!, 1500);
    await setLinkMtu(lab, r1!, r2!, 1400);
    await setLinkMtu(lab, r2!, r3!, 1280);
    await setLinkMtu(lab, r3!, 'target', 1500);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /**
   * The kernel keeps a path MTU per destination once a "too big" arrives (`ip route get` shows
   * `mtu 1280`). Both tools size their probes against the interface MTU whatever that cache says
   * (IP_PMTUDISC_PROBE), but the test does not lean on it: it flushes the cache before each run
   * and checks that it is empty, so neither run's discovery can feed the other's result.
   */
  async function freshCache(family: 4 | 6, target: string): Promise<void> {
    for (const host of Object.keys(lab.topology.hosts)) {
      const r = await lab.exec(host, ['ip', `-${family}`, 'route', 'flush', 'cache']);
      expect(r.code, r.stderr).toBe(0);
    }
    const route = await lab.exec('client', ['ip', `-${family}`, 'route', 'get', target]);
    expect(route.stdout).not.toMatch(/\bmtu \d+/);
  }

  async function cachedMtu(family: 4 | 6, target: string): Promise<number | undefined> {
    const route = await lab.exec('client', ['ip', `-${family}`, 'route', 'get', target]);
    const m = /\bmtu (\d+)/.exec(route.stdout);
    return m ? Number(m[1]) : undefined;
  }

  for (const family of [4, 6] as const)
    it(`finds the same path MTU at every hop as tracepath -n, IPv${family}, ICMP and UDP probes`, async () => {
      const target = lab.addr('target', family);
      const expected = new Map([
        [1, 1500],
        [2, 1400],
        [3, 1280],
        [4, 1280],
      ]);

      await freshCache(family, target);
      const theirs = await lab.exec('client', ['tracepath', `-${family}`, '-n', target], {
        timeoutMs: 60_000,
      });
      expect(theirs.code, theirs.stderr).toBe(0);
      const tracepath = tracepathMtus(theirs.stdout);
      // tracepath's discovery reached the kernel's cache: what the flush below must undo.
      expect(await cachedMtu(family, target)).toBe(1280);
      expect(tracepath, theirs.stdout).toEqual(expected);

      for (const method of ['-I', '-U']) {
        await freshCache(family, target);
        const ours = await lab.exec('client', netdiagArgv('trace', '-n', '--mtu', method, '--json', target));
        expect(ours.code, ours.stderr).toBe(0);
        expect(netdiagMtus(ours.stdout), `${method}\n${ours.stdout}`).toEqual(tracepath);
        const events = ndjson(ours.stdout);
        // What the search learned, and from whom: the kernel (the interface), then r1 and r2.
        const [r1, r2] = lab.topology.chains.path!.hops[family];
        const learned = events.filter((e) => e.type === 'pmtu').map((e) => [e.mtu, e.from]);
        expect(learned).toContainEqual([1500, null]);
        expect(learned).toContainEqual([1400, r1]);
        expect(learned).toContainEqual([1280, r2]);
        // Every answered probe says its size, which is never above its hop's path MTU.
        for (const e of events)
          if (e.type === 'probe' && e.outcome === 'reply')
            expect(e.size as number).toBeLessThanOrEqual(expected.get(e.ttl as number)!);
      }

      // Without privilege: ICMP datagram sockets and UDP datagram sockets read the same errors
      // (and the kernel's local EMSGSIZE) from their error queues.
      for (const method of ['-I', '-U']) {
        await freshCache(family, target);
        const ours = await lab.exec(
          'client',
          asNobody(netdiagArgv('trace', '-n', '--mtu', method, '--json', target)),
        );
        expect(ours.code, ours.stderr).toBe(0);
        expect(ndjson(ours.stdout)[0]).toMatchObject({ backend: 'native-dgram' });
        expect(netdiagMtus(ours.stdout), `${method} unprivileged\n${ours.stdout}`).toEqual(tracepath);
      }

      // traceroute lines: `pmtu N` where it changes, as tracepath prints it.
      await freshCache(family, target);
      const lines = await lab.exec('client', netdiagArgv('trace', '-n', '--mtu', target));
      expect(lines.code, lines.stderr).toBe(0);
      expect(lineMtus(lines.stdout), lines.stdout).toEqual(
        new Map([
          [1, 1500],
          [2, 1400],
          [3, 1280],
        ]),
      );
      // And the last line is tracepath's, but for `back` (the return path's length).
      expect(lines.stdout.trimEnd().split('\n').at(-1)).toBe('     Resume: pmtu 1280 hops 4');
      expect(theirs.stdout).toMatch(/Resume: pmtu 1280 hops 4 /);

      // The mtr report gains a PMTU column.
      await freshCache(family, target);
      const report = await lab.exec(
        'client',
        netdiagArgv('trace', '-n', '--mtu', '-c', '2', '--report', target),
      );
      expect(report.code, report.stderr).toBe(0);
      expect(report.stdout).toMatch(/Javg\s+PMTU\n/);
      const column = report.stdout
        .split('\n')
        .flatMap((l) => /^\s*(\d+)\.\|--.*\s(\d+)$/.exec(l) ?? [])
        .filter((_, i) => i % 3 !== 0)
        .map(Number);
      expect(column).toEqual([1, 1500, 2, 1400, 3, 1280, 4, 1280]);
    });
});

describe('netdiag trace --mtu: bad combinations', () => {
  it('refuses TCP probes in one line, exit 2', async () => {
    const { spawnSync } = await import('node:child_process');
    const [node, ...args] = netdiagArgv('trace', '--mtu', '-T', '192.0.2.1');
    const r = spawnSync(node!, args, { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'netdiag: trace: --mtu needs ICMP or UDP probes (-I, -U): a TCP SYN carries no payload to size\n',
    );
  });
});

async function setLinkMtu(lab: Lab, a: string, b: string, mtu: number): Promise<void> {
  const t = lab.topology;
  const link = t.links.findIndex((l) => l.hosts.length === 2 && l.hosts.includes(a) && l.hosts.includes(b));
  if (link < 0) throw new Error(`no link between ${a} and ${b}`);
  for (const host of [a, b]) {
    const itf = t.hosts[host]!.interfaces.find((i) => i.link === link)!;
    const r = await lab.exec(host, ['ip', 'link', 'set', 'dev', itf.name, 'mtu', String(mtu)]);
    if (r.code !== 0) throw new Error(`ip link set ${itf.name} mtu ${mtu} in ${host}: ${r.stderr}`);
  }
}
