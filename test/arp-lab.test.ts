import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { coarseState, type NeighbourTable } from '@netdiag/arp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';

// A subnet of four hosts on one bridge: `scanner` pings its neighbours and an unused address,
// then netdiag's table must equal `ip -j neigh` there. The lab is this file's own (removed in
// afterAll); its addresses come from 192.0.2.0/24 and 2001:db8::/32.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;

interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}

describe.skipIf(process.getuid?.() !== 0)('netdiag arp in a lab subnet', () => {
  let lab: Lab;
  const neighbours = ['n1', 'n2', 'n3'];
  const netdiag = (host: string, args: string[]) =>
    spawnSync('ip', ['netns', 'exec', lab.ns(host), process.execPath, cli, 'arp', ...args], {
      encoding: 'utf8',
    });
  const ipJson = <T>(host: string, args: string[]) =>
    JSON.parse(execFileSync('ip', ['-n', lab.ns(host), '-j', ...args]).toString()) as T;
  let unused: string;
  let subnet: string;

  beforeAll(async () => {
    lab = await createLab({ links: [{ hosts: ['scanner', ...neighbours] }] });
    subnet = lab.topology.links[0]!.v4;
    const taken = new Set(Object.values(lab.topology.hosts).map((h) => h.v4));
    // The highest host address of the subnet that no lab host holds.
    const [net, len] = subnet.split('/') as [string, string];
    const base = net.split('.').map(Number);
    const last = base[3]! + 2 ** (32 - Number(len)) - 2;
    unused = [...Array(last - base[3]!)]
      .map((_, k) => `${base[0]}.${base[1]}.${base[2]}.${last - k}`)
      .find((a) => !taken.has(a))!;
    // Until each answers (a new bridge may drop the first frames while its ports come up).
    for (const n of neighbours) {
      for (let attempt = 0; attempt < 10; attempt++) {
        if ((await lab.exec('scanner', ['ping', '-c', '1', '-W', '1', lab.addr(n, 4)])).code === 0) break;
      }
    }
    // No one answers: the kernel's resolution goes incomplete, then failed.
    await lab.exec('scanner', ['ping', '-c', '1', '-W', '1', unused]);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('the table equals ip -j neigh after the pings (IPv4, states as /proc/net/arp folds them)', () => {
    // Read both twice and keep a pair that agrees in time: a state may move between two reads.
    let ours: NeighbourTable | undefined;
    let ip: IpNeigh[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = netdiag('scanner', ['--json']);
      expect(r.status, r.stderr).toBe(0);
      ours = JSON.parse(r.stdout) as NeighbourTable;
      ip = ipJson<IpNeigh[]>('scanner', ['-4', 'neigh']);
      if (ours.neighbours.length === ip.length) break;
    }
    const mine = ours!.neighbours
      .map((n) => ({ dst: n.address, dev: n.interface, lladdr: n.mac ?? null, state: n.state }))
      .sort((x, y) => x.dst.localeCompare(y.dst));
    const theirs = ip
      .map((n) => ({
        dst: n.dst,
        dev: n.dev,
        lladdr: n.lladdr ?? null,
        state: coarseState(n.state[0]!.toLowerCase() as 'stale'),
      }))
      .sort((x, y) => x.dst.localeCompare(y.dst));
    expect(mine).toEqual(theirs);
    // What the test is about: every neighbour resolved to the MAC `ip link` shows on it, and the
    // unused address unresolved.
    for (const n of neighbours) {
      const mac = ipJson<{ ifname: string; address: string }[]>(n, ['link', 'show', 'eth0'])[0]!.address;
      expect(mine.find((e) => e.dst === lab.addr(n, 4))).toMatchObject({ lladdr: mac, state: 'resolved' });
    }
    expect(mine.find((e) => e.dst === unused)).toMatchObject({ lladdr: null, state: 'unresolved' });
    expect(ours!.missing.map((m) => m.family)).toEqual(['inet6']);
    expect(ours!.exactStates).toBe(false);
  });

  it('text output lists the same neighbours and names the IPv6 gap on stderr', () => {
    const r = netdiag('scanner', []);
    expect(r.status).toBe(0);
    for (const n of neighbours) expect(r.stdout).toContain(lab.addr(n, 4));
    expect(r.stderr).toMatch(/IPv6 neighbours not shown: needs netlink/);
  });

  it('arping finds the MAC; netdiag arp probe says in one line what it is missing (exit 2)', () => {
    const target = lab.addr('n1', 4);
    const mac = ipJson<{ address: string }[]>('n1', ['link', 'show', 'eth0'])[0]!.address;
    const arping = spawnSync(
      'ip',
      ['netns', 'exec', lab.ns('scanner'), 'arping', '-c', '1', '-i', 'eth0', target],
      { encoding: 'utf8' },
    );
    expect(arping.stdout.toLowerCase()).toContain(mac);
    const r = netdiag('scanner', ['probe', target, '-I', 'eth0', '-c', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^netdiag: arp probe: needs a packet socket \(AF_PACKET\)/);
  });

  it('a scan whose range and interface are fine says in one line what it is missing (exit 2)', () => {
    const r = netdiag('scanner', ['scan', subnet, '-I', 'eth0']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^netdiag: arp scan: needs a packet socket \(AF_PACKET\)/);
  });

  it('a scan beyond a /16 needs --force, outside the subnet --foreign, of an unknown interface nothing', () => {
    expect(netdiag('scanner', ['scan', '192.0.0.0/8', '-I', 'eth0']).stderr).toMatch(
      /more than a \/16; add --force/,
    );
    expect(netdiag('scanner', ['scan', '198.51.100.0/24', '-I', 'eth0']).stderr).toMatch(
      /not inside eth0's subnets/,
    );
    const bad = netdiag('scanner', ['scan', subnet, '-I', 'eth7']);
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "netdiag: arp: no interface named 'eth7'"]);
  });
});
