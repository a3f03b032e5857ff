import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { NeighbourTable } from '@netdiag/arp';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';

// `netdiag arp` end to end, through the built CLI (npm run build first), in a LAN of four hosts
// on one bridge, beside arping, arp-scan and `ip` in the same namespace. Probes and scans go out
// on a packet socket from @netdiag/probe-socket; the table comes over netlink. The lab is this
// file's own (removed in afterAll); its addresses come from 198.51.100.0/28 and 2001:db8::/32.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
/** A registered OUI (Cisco's 00:00:0c), given to n1 so that a vendor name must be looked up. */
const ciscoMac = '00:00:0c:12:34:56';

interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
  router?: null;
}

describe.skipIf(process.getuid?.() !== 0)('netdiag arp in a lab subnet', () => {
  let lab: Lab;
  const neighbours = ['n1', 'n2', 'n3'];
  let subnet: string;
  /** Host addresses of the subnet no lab host holds: [silent, static]. */
  let unused: [string, string];
  let unusedV6: string;

  const netdiag = (args: string[], options: { user?: number } = {}) => {
    const argv = [process.execPath, cli, 'arp', ...args];
    const as =
      options.user === undefined
        ? argv
        : ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups', ...argv];
    const t0 = performance.now();
    const r = spawnSync('ip', ['netns', 'exec', lab.ns('scanner'), ...as], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ...r, ms: performance.now() - t0 };
  };
  const inScanner = (argv: string[]) =>
    spawnSync('ip', ['netns', 'exec', lab.ns('scanner'), ...argv], { encoding: 'utf8', timeout: 60_000 });
  const ipJson = <T>(host: string, args: string[]) =>
    JSON.parse(execFileSync('ip', ['-n', lab.ns(host), '-j', ...args]).toString()) as T;
  const macOf = (host: string) => ipJson<{ address: string }[]>(host, ['link', 'show', 'eth0'])[0]!.address;

  beforeAll(async () => {
    lab = await createLab({
      // n2 forwards IPv6: its neighbour advertisements carry the router flag.
      hosts: { n2: { sysctl: { 'net.ipv6.conf.all.forwarding': 1 } } },
      links: [{ hosts: ['scanner', ...neighbours], v4: '198.51.100.0/28' }],
    });
    execFileSync('ip', ['-n', lab.ns('n1'), 'link', 'set', 'eth0', 'address', ciscoMac]);
    subnet = lab.topology.links[0]!.v4;
    const taken = new Set(Object.values(lab.topology.hosts).map((h) => h.v4));
    const [net, len] = ipaddr.parseCIDR(subnet);
    const base = net.toByteArray();
    const free = [...Array(2 ** (32 - len) - 2)]
      .map((_, k) => [base[0], base[1], base[2], base[3]! + 2 ** (32 - len) - 2 - k].join('.'))
      .filter((a) => !taken.has(a));
    unused = [free[0]!, free[1]!];
    const v6 = ipaddr.parseCIDR(lab.topology.links[0]!.v6)[0].toByteArray();
    v6[14] = 0xde;
    v6[15] = 0xad;
    unusedV6 = ipaddr.fromByteArray(v6).toString();
    // Until each answers both families (a new bridge may drop the first frames while its ports
    // come up).
    for (const n of neighbours) {
      for (const family of [4, 6] as const) {
        for (let attempt = 0; attempt < 10; attempt++) {
          const r = await lab.exec('scanner', [
            'ping',
            `-${family}`,
            '-c',
            '1',
            '-W',
            '1',
            lab.addr(n, family),
          ]);
          if (r.code === 0) break;
        }
      }
    }
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('a probe returns the MAC ip link shows for the neighbour, as arping does', () => {
    const target = lab.addr('n3', 4);
    const mac = macOf('n3');
    const r = netdiag(['probe', target, '-I', 'eth0', '-c', '2', '--interval', '0.2']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`ARPING ${target} from ${lab.addr('scanner', 4)} eth0`);
    expect(lines.filter((l) => l.startsWith(`reply from ${target} [${mac}]`))).toHaveLength(2);
    expect(r.stdout).toContain('2 requests transmitted, 2 replies received, 0% unanswered');
    expect(r.stdout).toMatch(/rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms/);
    const arping = inScanner(['arping', '-c', '1', '-i', 'eth0', target]);
    expect(arping.status).toBe(0);
    expect(arping.stdout.toLowerCase()).toContain(`from ${mac}`);
    // A probe whose every request is answered ends with the last reply, as iputils arping does,
    // not after its timeout.
    const quick = netdiag(['probe', target, '-c', '1', '--timeout', '5']);
    expect(quick.status, quick.stderr).toBe(0);
    expect(quick.ms).toBeLessThan(4000);
    // Without -I: the interface whose subnet holds the target, as arping finds it.
    const json = netdiag(['probe', lab.addr('n1', 4), '-c', '1', '--json']);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      interface: 'eth0',
      sender: lab.addr('scanner', 4),
      summary: { transmitted: 1, received: 1, macs: [ciscoMac], conflict: false },
    });
  });

  it('a probe of an unused address has no answer within its timeout: exit 1, as arping', () => {
    const r = netdiag(['probe', unused[0], '-c', '2', '--interval', '0.2', '--timeout', '0.6']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('2 requests transmitted, 0 replies received, 100% unanswered');
    // The second request at 0.2 s, then the 0.6 s wait: the command cannot end sooner.
    expect(r.ms).toBeGreaterThanOrEqual(800);
    const arping = inScanner(['arping', '-c', '1', '-w', '1', '-i', 'eth0', unused[0]]);
    expect(arping.status).toBe(1);
    expect(arping.stdout).toMatch(/1 packets transmitted, 0 packets received/);
  });

  it('duplicate address detection: a taken address conflicts (exit 1), a free one does not (exit 0)', () => {
    const dad = ['--dad', '-I', 'eth0', '-c', '2', '--interval', '0.2', '--timeout', '0.5', '--json'];
    const taken = netdiag(['probe', lab.addr('n2', 4), ...dad]);
    expect(taken.status, taken.stderr).toBe(1);
    expect(JSON.parse(taken.stdout)).toMatchObject({
      sender: '0.0.0.0',
      summary: { conflict: true, macs: [macOf('n2')] },
    });
    const free = netdiag(['probe', unused[0], ...dad]);
    expect(free.status, free.stderr).toBe(0);
    expect(JSON.parse(free.stdout)).toMatchObject({ summary: { conflict: false, received: 0 } });
  });

  it('a scan of the subnet finds exactly the lab hosts on it, as arp-scan does, with vendors', () => {
    const r = netdiag(['scan', subnet, '-I', 'eth0', '--json', '--timeout', '0.3']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      hosts: { ip: string; mac: string; vendor: string }[];
      targets: number;
    };
    const expected = neighbours.map((n) => [lab.addr(n, 4), macOf(n)]).sort();
    expect(out.hosts.map((h) => [h.ip, h.mac]).sort()).toEqual(expected);
    // Every host address of the subnet but our own.
    expect(out.targets).toBe(2 ** (32 - Number(subnet.split('/')[1])) - 3);
    // -g: a reply that arrives after arp-scan's retry (its timeout is 500 ms, which a loaded
    // machine can overrun) is printed again as a duplicate; our scan reports each host once.
    const scan = inScanner(['arp-scan', '-I', 'eth0', '-x', '-g', subnet]);
    expect(scan.status, scan.stderr).toBe(0);
    const theirs = scan.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(theirs.map(([ip, mac]) => [ip, mac]).sort()).toEqual(expected);
    // n1 carries Cisco's OUI; the veth addresses are locally administered (the U/L bit set).
    const vendor = (ip: string) => out.hosts.find((h) => h.ip === ip)!.vendor;
    expect(vendor(lab.addr('n1', 4))).toMatch(/cisco/i);
    expect(theirs.find(([ip]) => ip === lab.addr('n1', 4))![2]).toMatch(/cisco/i);
    expect(vendor(lab.addr('n2', 4))).toBe('(locally administered)');
    const text = netdiag(['scan', subnet, '-I', 'eth0', '--timeout', '0.3']);
    expect(text.stdout.split('\n')[0]).toBe(
      `Interface: eth0, address ${lab.addr('scanner', 4)}, scanning ${subnet} (${out.targets} addresses)`,
    );
    expect(text.stdout).toMatch(/\): 3 responded\n$/);
  });

  it('the table equals ip -j neigh: both families, exact states, routers, MACs as ip link shows', async () => {
    // Resolution that fails (incomplete, then failed), and a static entry.
    await lab.exec('scanner', ['ping', '-c', '1', '-W', '1', unused[0]]);
    await lab.exec('scanner', ['ping', '-6', '-c', '1', '-W', '1', unusedV6]);
    execFileSync('ip', [
      '-n',
      lab.ns('scanner'),
      'neigh',
      'replace',
      unused[1],
      'lladdr',
      '02:00:5e:10:00:01',
      'dev',
      'eth0',
      'nud',
      'permanent',
    ]);
    // States move on their own (reachable to stale, incomplete to failed): read both a few times
    // and keep a pair that agrees, then require that it exists.
    const byDst = (a: { dst: string }, b: { dst: string }) => a.dst.localeCompare(b.dst);
    let ours: { dst: string; dev: string; lladdr: string | null; state: string; router: boolean }[] = [];
    let theirs: typeof ours = [];
    let table: NeighbourTable | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = netdiag(['--json']);
      expect(r.status, r.stderr).toBe(0);
      table = JSON.parse(r.stdout) as NeighbourTable;
      ours = table.neighbours
        .map((n) => ({
          dst: n.address,
          dev: n.interface,
          lladdr: n.mac ?? null,
          state: n.state,
          router: n.router === true,
        }))
        .sort(byDst);
      theirs = ipJson<IpNeigh[]>('scanner', ['neigh'])
        .map((n) => ({
          dst: n.dst,
          dev: n.dev,
          lladdr: n.lladdr ?? null,
          state: n.state[0]!.toLowerCase(),
          router: 'router' in n,
        }))
        .sort(byDst);
      if (JSON.stringify(ours) === JSON.stringify(theirs)) break;
    }
    expect(ours).toEqual(theirs);
    expect(table!.exactStates).toBe(true);
    expect(table!.missing).toEqual([]);
    for (const n of neighbours) {
      for (const family of [4, 6] as const) {
        expect(ours.find((e) => e.dst === lab.addr(n, family))).toMatchObject({
          lladdr: macOf(n),
          state: expect.stringMatching(/^(reachable|stale|delay|probe)$/),
        });
      }
    }
    expect(ours.find((e) => e.dst === lab.addr('n2', 6))!.router).toBe(true);
    expect(ours.find((e) => e.dst === unused[1])).toMatchObject({ state: 'permanent' });
    expect(ours.find((e) => e.dst === unusedV6)).toMatchObject({ lladdr: null });
    expect(ours.find((e) => e.dst === unused[0])).toMatchObject({ lladdr: null });

    const text = netdiag([]);
    expect(text.status).toBe(0);
    expect(text.stderr).toBe('');
    for (const n of neighbours) {
      expect(text.stdout).toContain(lab.addr(n, 4));
      expect(text.stdout).toContain(lab.addr(n, 6));
    }
    expect(text.stdout).toMatch(/ router\n/);
  });

  it('without privilege: the table still reads (netlink), a probe says how to get the permission', () => {
    const table = netdiag(['--json'], { user: 65534 });
    expect(table.status, table.stderr).toBe(0);
    expect((JSON.parse(table.stdout) as NeighbourTable).exactStates).toBe(true);
    const r = netdiag(['probe', lab.addr('n1', 4), '-c', '1'], { user: 65534 });
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(
      "netdiag: arp probe: no permission to open a packet socket (AF_PACKET) for ARP: run as root, or install netdiag's privileged helper and join its group (sudo npm run install-helper; see the README, Permissions)\n",
    );
  });

  it('one line, exit 2: a range beyond a /16 or outside the subnet, an unknown or down interface', () => {
    expect(netdiag(['scan', '198.51.0.0/8', '-I', 'eth0']).stderr).toMatch(/more than a \/16; add --force/);
    expect(netdiag(['scan', '203.0.113.0/24', '-I', 'eth0']).stderr).toMatch(/not inside eth0's subnets/);
    const bad = netdiag(['scan', subnet, '-I', 'eth7']);
    expect([bad.status, bad.stderr]).toEqual([2, "netdiag: arp: no interface named 'eth7'\n"]);
    execFileSync('ip', ['-n', lab.ns('scanner'), 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    const down = netdiag(['probe', unused[0], '-I', 'd0']);
    expect([down.status, down.stderr]).toEqual([2, 'netdiag: arp: d0 is down (ip link set d0 up)\n']);
  });
});
