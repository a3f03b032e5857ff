import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLab, type Family, hopsBetween, type Lab, type LabSpec, sweep, useLab } from './index.js';
import { exec } from './run.js';
import { STATE_DIR } from './state.js';

const isRoot = process.getuid?.() === 0;
const families: Family[] = [4, 6];

/** iputils ping's summary: transmitted, received and the RTT statistics (ms), if any came back. */
function pingSummary(stdout: string) {
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  if (!counts) throw new Error(`no ping summary in: ${stdout}`);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  const [minMs, avgMs, maxMs, mdevMs] = rtt ? rtt.slice(1).map(Number) : [null, null, null, null];
  return { sent: Number(counts[1]), received: Number(counts[2]), minMs, avgMs, maxMs, mdevMs };
}

/** traceroute -n output as one entry per hop: the addresses that answered and the annotations. */
function traceHops(stdout: string): { addresses: string[]; text: string }[] {
  return stdout
    .split('\n')
    .slice(1)
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => ({
      addresses: l
        .trim()
        .split(/\s+/)
        .filter((t) => isIP(t) !== 0),
      text: l,
    }));
}

async function ping(lab: Lab, from: string, to: string, args: string[]) {
  const r = await lab.exec(from, ['ping', '-n', ...args, to], { timeoutMs: 30_000 });
  return pingSummary(r.stdout);
}

async function traceroute(lab: Lab, from: string, to: string) {
  const r = await lab.exec(from, ['traceroute', '-n', '-I', to], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return traceHops(r.stdout);
}

/** The interval [lo, hi] holding the middle `confidence` of Binomial(n, p), from its exact CDF. */
function binomialInterval(n: number, p: number, confidence: number): [number, number] {
  const pmf: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  const tail = (1 - confidence) / 2;
  let lo = 0;
  for (let acc = pmf[0]!; acc < tail; acc += pmf[++lo]!);
  let hi = n;
  for (let acc = pmf[n]!; acc < tail; acc += pmf[--hi]!);
  return [lo, hi];
}

async function namespacesOf(id: string): Promise<string[]> {
  const { stdout } = await exec(['ip', 'netns', 'list']);
  return stdout.split('\n').filter((l) => l.startsWith(`${id}-`));
}

async function rootLinksOf(id: string): Promise<string[]> {
  const { stdout } = await exec(['ip', '-o', 'link', 'show']);
  return stdout
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(id));
}

describe.skipIf(!isRoot)('the standard lab', () => {
  const lab = useLab();

  it('answers iputils ping from the client at t3 and far, over IPv4 and IPv6', async () => {
    const runs = await Promise.all(
      ['t3', 'far'].flatMap((h) =>
        families.map((f) => ping(lab, 'client', lab.addr(h, f), ['-c', '3', '-i', '0.05', '-W', '2'])),
      ),
    );
    for (const r of runs) expect(r).toMatchObject({ sent: 3, received: 3 });
  });

  it('lists exactly the chain routers, then far, in traceroute -n -I', async () => {
    const chain = lab.topology.chains.main!;
    expect(chain.routers).toHaveLength(8);
    for (const f of families) {
      const expected = [...chain.hops[f], lab.addr('far', f)];
      expect(hopsBetween(lab.topology, 'client', 'far', f)).toEqual(expected);
      const hops = await traceroute(lab, 'client', lab.addr('far', f));
      // Each hop answered all three probes, each from the one expected address.
      expect(hops.map((h) => [...new Set(h.addresses)])).toEqual(expected.map((a) => [a]));
    }
  });

  it('rejects traffic to the reject target with admin-prohibited (traceroute !X)', async () => {
    for (const f of families) {
      const hops = await traceroute(lab, 'client', lab.addr('reject', f));
      expect(hops.map((h) => h.addresses[0])).toEqual(hopsBetween(lab.topology, 'client', 'reject', f));
      expect(hops.at(-1)!.text).toMatch(/!X.*!X.*!X/);
      // And plain ping gets the same error, not an echo reply.
      const r = await ping(lab, 'client', lab.addr('reject', f), ['-c', '1', '-W', '1']);
      expect(r.received).toBe(0);
    }
  });

  it('drops echo requests at lossy within the 99.9% binomial interval of 30%', async () => {
    const [lo, hi] = binomialInterval(200, 0.3, 0.999);
    const runs = await Promise.all(
      families.map((f) =>
        ping(lab, 'client', lab.addr('lossy', f), ['-c', '200', '-i', '0.01', '-W', '1', '-q']),
      ),
    );
    for (const r of runs) {
      expect(r.sent).toBe(200);
      const lost = r.sent - r.received;
      expect(lost).toBeGreaterThanOrEqual(lo);
      expect(lost).toBeLessThanOrEqual(hi);
    }
  });

  it('delays echo replies at delayed by 20 ms (average within 0.5 ms, beyond the path RTT)', async () => {
    const args = ['-c', '50', '-i', '0.05', '-W', '2', '-q'];
    // The path alone: t3 hangs off the same router, so its RTT is delayed's minus the delay.
    const [d4, d6, p4, p6] = await Promise.all([
      ping(lab, 'client', lab.addr('delayed', 4), args),
      ping(lab, 'client', lab.addr('delayed', 6), args),
      ping(lab, 'client', lab.addr('t3', 4), args),
      ping(lab, 'client', lab.addr('t3', 6), args),
    ]);
    for (const [d, p] of [
      [d4!, p4!],
      [d6!, p6!],
    ] as const) {
      expect(d.received).toBe(50);
      expect(Math.abs(d.avgMs! - 20)).toBeLessThan(0.5);
      expect(Math.abs(d.avgMs! - p.avgMs! - 20)).toBeLessThan(0.5);
    }
  });

  it('answers on many addresses of 198.18.0.0/22 at many', async () => {
    const { stdout } = await lab.exec('many', ['ip', '-4', '-o', 'address', 'show', 'dev', 'lo']);
    const onLo = stdout.split('\n').filter((l) => / inet 198\.18\./.test(l));
    expect(onLo).toHaveLength(1024);
    const sample = ['198.18.0.0', '198.18.0.1', '198.18.1.77', '198.18.2.200', '198.18.3.255'];
    const runs = await Promise.all(sample.map((a) => ping(lab, 'client', a, ['-c', '1', '-W', '2'])));
    for (const r of runs) expect(r.received).toBe(1);
    // Just outside the /22 nothing is routed: ping fails rather than reaching anything.
    const outside = await lab.exec('client', ['ping', '-n', '-c', '1', '-W', '1', '198.18.4.1']);
    expect(outside.code).not.toBe(0);
    expect(outside.stdout).not.toMatch(/ 1 received/);
  });
});

describe.skipIf(!isRoot)('labs built from specs', () => {
  it('shows a silent router as * and still reaches the target', async () => {
    const lab = await createLab({
      hosts: { r2: { silent: true } },
      chains: { c: { from: 'a', to: 'b', routers: 3 } },
    });
    try {
      for (const f of families) {
        const hops = await traceroute(lab, 'a', lab.addr('b', f));
        const chain = lab.topology.chains.c!;
        expect(hops.map((h) => h.addresses[0] ?? '*')).toEqual([
          chain.hops[f][0],
          '*',
          chain.hops[f][2],
          lab.addr('b', f),
        ]);
        expect(hops[1]!.text).toMatch(/^\s*2\s+\* \* \*\s*$/);
        // Traffic through it is untouched.
        expect((await ping(lab, 'a', lab.addr('b', f), ['-c', '2', '-i', '0.05', '-W', '2'])).received).toBe(
          2,
        );
      }
    } finally {
      await lab.destroy();
    }
  });

  it('jitters a delayed target, drops on a lossy link, and sets ping_group_range on request', async () => {
    const lab = await createLab({
      hosts: {
        a: { router: true, pingGroupRange: [0, 2147483647] },
        j: { echo: { delayMs: 10, jitterMs: 5 } },
      },
      links: [{ hosts: ['a', 'j'] }, { hosts: ['a', 'l'], loss: 50 }],
    });
    try {
      const [jittered, lossy4, lossy6] = await Promise.all([
        ping(lab, 'a', lab.addr('j', 4), ['-c', '40', '-i', '0.02', '-W', '2', '-q']),
        ping(lab, 'a', lab.addr('l', 4), ['-c', '100', '-i', '0.01', '-W', '1', '-q']),
        ping(lab, 'a', lab.addr('l', 6), ['-c', '100', '-i', '0.01', '-W', '1', '-q']),
      ]);
      // Uniform over 10 +- 5 ms: mean 10, standard deviation 10/sqrt(12) = 2.9 ms.
      const r = await lab.exec('a', ['ping', '-n', '-c', '1', '-W', '2', lab.addr('j', 6)]);
      expect(pingSummary(r.stdout).received).toBe(1);
      expect(jittered.received).toBe(40);
      expect(Math.abs(jittered.avgMs! - 10)).toBeLessThan(1.6);
      expect(jittered.minMs!).toBeGreaterThanOrEqual(4.95);
      expect(jittered.maxMs!).toBeLessThan(15.5);
      expect(jittered.mdevMs!).toBeGreaterThan(1.5);
      // Each way is dropped at the receiving end of the link: an echo survives with 0.5 * 0.5.
      const [lo, hi] = binomialInterval(100, 0.75, 0.999);
      for (const l of [lossy4, lossy6]) {
        expect(l.sent - l.received).toBeGreaterThanOrEqual(lo);
        expect(l.sent - l.received).toBeLessThanOrEqual(hi);
      }
      const range = async (h: string) =>
        (await lab.exec(h, ['sysctl', '-n', 'net.ipv4.ping_group_range'])).stdout.trim().split(/\s+/);
      expect(await range('a')).toEqual(['0', '2147483647']);
      expect(await range('l')).toEqual(['1', '0']); // the namespace default, untouched
    } finally {
      await lab.destroy();
    }
  });

  it('spreads equal-cost paths over a multipath route and bridges a LAN', async () => {
    const lab = await createLab({
      hosts: { b: { router: true, prefixes: ['198.18.7.1/32', '2001:db8:77::1/128'] } },
      chains: { top: { from: 'a', to: 'b', routers: ['x'] }, bottom: { from: 'a', to: 'b', routers: ['y'] } },
      links: [{ hosts: ['b', 'c', 'd', 'e'] }],
    });
    try {
      const { stdout } = await lab.exec('a', ['ip', '-j', 'route', 'show', '198.18.7.1/32']);
      const [route] = JSON.parse(stdout) as { nexthops?: { gateway: string }[] }[];
      expect(route?.nexthops?.map((n) => n.gateway)).toEqual([lab.addr('x', 4), lab.addr('y', 4)]);
      const targets = ['198.18.7.1', '2001:db8:77::1', lab.addr('e', 4), lab.addr('e', 6)];
      const runs = await Promise.all(
        targets.map((t) => ping(lab, 'a', t, ['-c', '2', '-i', '0.05', '-W', '2'])),
      );
      for (const r of runs) expect(r.received).toBe(2);
      // On the LAN, arping (Habets' arping, as Debian ships it) from c resolves every other station.
      for (const h of ['b', 'd', 'e']) {
        const r = await lab.exec('c', [
          'arping',
          '-C',
          '1',
          '-c',
          '3',
          '-w',
          '3',
          '-i',
          'eth0',
          lab.topology.hosts[h]!.interfaces.at(-1)!.v4,
        ]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
      }
    } finally {
      await lab.destroy();
    }
  });

  it('coexists with a second lab built at the same time, and destroy() leaves nothing behind', async () => {
    const spec: LabSpec = { chains: { c: { from: 'a', to: 'b', routers: 2 } } };
    const labs = await Promise.all([createLab(spec), createLab(spec)]);
    const [one, two] = labs;
    expect(one!.id).not.toBe(two!.id);
    for (const lab of labs) {
      expect(await namespacesOf(lab.id)).toHaveLength(4);
      expect((await ping(lab, 'a', lab.addr('b', 6), ['-c', '1', '-W', '2'])).received).toBe(1);
    }
    await Promise.all(labs.map((l) => l.destroy()));
    await one!.destroy(); // idempotent
    for (const lab of labs) {
      expect(await namespacesOf(lab.id)).toEqual([]);
      expect(await rootLinksOf(lab.id)).toEqual([]);
      expect(existsSync(`${STATE_DIR}/${lab.id}.json`)).toBe(false);
    }
  });

  it('removes what it made when the build fails', async () => {
    const bad: LabSpec = {
      hosts: { b: { sysctl: { 'net.ipv4.no_such_setting': 1 } } },
      links: [{ hosts: ['a', 'b'] }],
    };
    const error = await createLab(bad).then(
      () => null,
      (e: Error) => e,
    );
    const id = /lab (nd[0-9a-f]+)/.exec(error?.message ?? '')?.[1];
    expect(id, error?.message).toBeDefined();
    expect(await namespacesOf(id!)).toEqual([]);
    expect(await rootLinksOf(id!)).toEqual([]);
  });

  it('cleans up on SIGTERM, and sweep() removes the lab of a SIGKILLed run', async () => {
    const builder = fileURLToPath(new URL('./fixtures/build-and-wait.ts', import.meta.url));
    const start = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', builder], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const id = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /built (nd[0-9a-f]+)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`builder exited ${code}: ${out}`)));
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      return { child, id, exited };
    };
    const [term, killed] = await Promise.all([start(), start()]);
    expect(await namespacesOf(term.id)).toHaveLength(3);
    term.child.kill('SIGTERM');
    killed.child.kill('SIGKILL');
    await Promise.all([term.exited, killed.exited]);
    expect(await namespacesOf(term.id)).toEqual([]);
    // SIGKILL gives no chance to clean up: the namespaces stay until a sweep finds the owner dead
    // (ours, or that of another run building a lab on this machine at the same moment).
    const stayed = (await namespacesOf(killed.id)).length;
    const removed = sweep();
    if (stayed > 0) expect(stayed === 3 && removed.includes(killed.id)).toBe(true);
    expect(await namespacesOf(killed.id)).toEqual([]);
    expect(existsSync(`${STATE_DIR}/${killed.id}.json`)).toBe(false);
    // The standard lab's owner (this run's vitest) is alive: sweep left it alone.
    const standard = useLab();
    expect(await namespacesOf(standard.id)).toHaveLength(standard.topology.namespaces.length);
  });
});
