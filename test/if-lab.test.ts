import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { comparableFromInterface, comparableFromIpJson, type Interface } from '@netdiag/interface-stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';

// `netdiag if` (the built CLI: npm run build first) against iproute2, run side by side inside
// each namespace. Addresses come over netlink, so every link counts, up or down. Addresses only
// from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32; every namespace made
// here is removed in afterAll.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const inNs = (ns: string, argv: string[]) =>
  execFileSync('ip', ['netns', 'exec', ns, ...argv], { maxBuffer: 64 << 20 }).toString();

/** JSON from `netdiag if --json`: counters arrive as exact integers (numbers here, all small). */
const netdiagIf = (ns: string, ...args: string[]) =>
  (JSON.parse(inNs(ns, [process.execPath, cli, 'if', '--json', ...args])) as { interfaces: Interface[] })
    .interfaces;
const ipJson = (ns: string, what: 'addr' | 'link') =>
  JSON.parse(execFileSync('ip', ['-n', ns, '-j', what]).toString()) as Record<string, unknown>[];

/** netdiag's list and iproute2's, in the same terms; nothing left out. */
function compare(ns: string): { ours: unknown[]; ip: unknown[]; interfaces: Interface[] } {
  const interfaces = netdiagIf(ns);
  return {
    ours: interfaces.map(comparableFromInterface),
    // Over netlink, IPv4 address flags (secondary, dynamic, ...) are known: compare them too.
    ip: ipJson(ns, 'addr').map((e) => comparableFromIpJson(e, { ipv4Flags: true })),
    interfaces,
  };
}

describe.skipIf(process.getuid?.() !== 0)('netdiag if in the lab', () => {
  const lab = useLab();

  it('equals ip -j addr and ip -j link in every lab namespace', () => {
    expect(lab.topology.namespaces.length).toBeGreaterThan(5);
    let compared = 0;
    for (const ns of lab.topology.namespaces) {
      const { ours, ip } = compare(ns);
      expect(ours, ns).toEqual(ip);
      const links = ipJson(ns, 'link').map((e) => comparableFromIpJson(e));
      expect(
        (ours as ReturnType<typeof comparableFromInterface>[]).map((o) => ({ ...o, addr_info: [] })),
        ns,
      ).toEqual(links.map((l) => ({ ...l, addr_info: [] })));
      compared += ours.length;
    }
    expect(compared).toBeGreaterThan(lab.topology.namespaces.length);
  });

  it('every lab host shows the addresses the lab gave it, IPv4 and IPv6', () => {
    for (const h of Object.values(lab.topology.hosts)) {
      const ifs = netdiagIf(h.ns);
      expect(ifs.every((i) => i.ipv4Complete)).toBe(true);
      for (const want of h.interfaces) {
        const i = ifs.find((x) => x.name === want.name)!;
        expect(i.addresses.map((a) => a.address)).toEqual(expect.arrayContaining([want.v4, want.v6]));
      }
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('netdiag if in namespaces of its own', () => {
  const id = `nd${randomBytes(3).toString('hex')}`;
  const a = `${id}-ifa`;
  const b = `${id}-ifb`;
  const made: string[] = [];

  beforeAll(() => {
    for (const ns of [a, b]) {
      execFileSync('ip', ['netns', 'add', ns]);
      made.push(ns);
    }
    // No IPv6 on the pair (no router solicitations, no MLD) and static neighbours (no ARP): the
    // only packets on it are the ones the test sends.
    for (const ns of [a, b])
      inNs(ns, [
        'sysctl',
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]);
    execFileSync('ip', ['-n', a, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b]);
    execFileSync('ip', ['-n', a, 'addr', 'add', '192.0.2.1/24', 'dev', 'va']);
    execFileSync('ip', ['-n', b, 'addr', 'add', '192.0.2.2/24', 'dev', 'vb']);
    // A second address with a label, a non-default MTU, and what getifaddrs cannot see: a link
    // that is up without carrier (dn0: its peer dn1 is down) and a link that is down (dn1), each
    // with an address, and a point-to-point peer (pp0).
    const batch = [
      'addr add 192.0.2.3/24 dev va label va:two',
      'link set va mtu 1400',
      'link add dn0 type veth peer name dn1',
      'addr add 192.0.2.129/25 dev dn0',
      'link set dn0 up',
      'addr add 198.51.100.129/25 dev dn1',
      'link add pp0 type veth peer name pp1',
      'addr add 203.0.113.5 peer 203.0.113.6/32 dev pp0',
    ];
    execFileSync('ip', ['-n', a, '-batch', '-'], { input: `${batch.join('\n')}\n` });
    for (const [ns, dev] of [
      [a, 'va'],
      [b, 'vb'],
      [a, 'lo'],
      [b, 'lo'],
    ] as const) {
      execFileSync('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    const mac = (ns: string, dev: string) =>
      ipJson(ns, 'link').find((l) => l.ifname === dev)!.address as string;
    execFileSync('ip', [
      '-n',
      a,
      'neigh',
      'replace',
      '192.0.2.2',
      'lladdr',
      mac(b, 'vb'),
      'dev',
      'va',
      'nud',
      'permanent',
    ]);
    execFileSync('ip', [
      '-n',
      b,
      'neigh',
      'replace',
      '192.0.2.1',
      'lladdr',
      mac(a, 'va'),
      'dev',
      'vb',
      'nud',
      'permanent',
    ]);
  });

  afterAll(() => {
    for (const ns of made) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('equals ip -j addr and ip -j link, links that are down or without carrier included', () => {
    const { ours, ip, interfaces } = compare(a);
    expect(ours).toEqual(ip);
    const links = ipJson(a, 'link').map((e) => comparableFromIpJson(e));
    expect(
      (ours as ReturnType<typeof comparableFromInterface>[]).map((o) => ({ ...o, addr_info: [] })),
    ).toEqual(links.map((l) => ({ ...l, addr_info: [] })));
    expect(interfaces.every((i) => i.ipv4Complete)).toBe(true);
    const byName = (n: string) => interfaces.find((i) => i.name === n)!;
    expect(byName('dn1')).toMatchObject({ operState: 'down' });
    expect(byName('dn1').flags).not.toContain('UP');
    expect(byName('dn1').addresses.map((x) => x.address)).toEqual(['198.51.100.129']);
    expect(byName('dn0').flags).toContain('NO-CARRIER');
    expect(byName('dn0').addresses.map((x) => x.address)).toEqual(['192.0.2.129']);
    expect(byName('pp0').addresses.map((x) => x.address)).toEqual(['203.0.113.5']);
    const text = inNs(a, [process.execPath, cli, 'if', 'dn1']);
    expect(text).toMatch(/^\d+: dn1: <[^>]*> mtu 1500 state DOWN /);
    expect(text).toContain('    inet  198.51.100.129/25 scope global dn1');
    const va = netdiagIf(a, 'va')[0]!;
    expect(va.addresses.filter((x) => x.family === 'inet')).toEqual([
      {
        family: 'inet',
        address: '192.0.2.1',
        prefixLength: 24,
        scope: 'global',
        label: 'va',
        flags: ['permanent'],
      },
      {
        family: 'inet',
        address: '192.0.2.3',
        prefixLength: 24,
        scope: 'global',
        label: 'va:two',
        flags: ['secondary', 'permanent'],
      },
    ]);
    expect(inNs(a, [process.execPath, cli, 'if', 'va'])).toContain(
      '    inet  192.0.2.3/24 scope global secondary va:two',
    );
    expect(va).toMatchObject({ mtu: 1400, speedMbps: 10000, duplex: 'full', operState: 'up' });
  });

  it('counters move by exactly the datagrams sent, as ip -s link counts them', () => {
    const before = { a: netdiagIf(a, 'va')[0]!.counters!, b: netdiagIf(b, 'vb')[0]!.counters! };
    const n = 37;
    const payload = 100;
    // A UDP receiver in b so that no port-unreachable comes back; the sender waits for every send.
    const script = `const d=require('dgram');const s=d.createSocket('udp4');let i=0;const go=()=>{if(i++===${n})return s.close();s.send(Buffer.alloc(${payload}),9999,'192.0.2.2',go)};go()`;
    inNs(a, [process.execPath, '-e', script]);
    const after = { a: netdiagIf(a, 'va')[0]!.counters!, b: netdiagIf(b, 'vb')[0]!.counters! };
    expect(Number(after.a.txPackets) - Number(before.a.txPackets)).toBe(n);
    expect(Number(after.b.rxPackets) - Number(before.b.rxPackets)).toBe(n);
    // Ethernet 14 + IPv4 20 + UDP 8 + payload, per datagram.
    expect(Number(after.a.txBytes) - Number(before.a.txBytes)).toBe(n * (14 + 20 + 8 + payload));
    const ipStats = (ns: string, dev: string) =>
      (
        JSON.parse(execFileSync('ip', ['-n', ns, '-j', '-s', 'link', 'show', 'dev', dev]).toString()) as {
          stats64: { tx: { packets: number; bytes: number }; rx: { packets: number } };
        }[]
      )[0]!.stats64;
    expect(ipStats(a, 'va').tx.packets).toBe(Number(after.a.txPackets));
    expect(ipStats(a, 'va').tx.bytes).toBe(Number(after.a.txBytes));
    expect(ipStats(b, 'vb').rx.packets).toBe(Number(after.b.rxPackets));
  });
});

describe.skipIf(process.getuid?.() !== 0)('netdiag if with IPv6 flags, labels and peers', () => {
  const ns = `nd${randomBytes(3).toString('hex')}-nl`;
  let made = false;

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    made = true;
    // No duplicate address detection: a link-local address must not turn from tentative to
    // usable between our read and ip's.
    inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    const batch = [
      'link set lo up',
      'link add up0 type veth peer name up1',
      'addr add 192.0.2.1/24 dev up0',
      'addr add 192.0.2.7/24 dev up0 label up0:web',
      'addr add 2001:db8:5::1/64 dev up0 nodad',
      'link set up0 up',
      'link set up1 up',
      // Up without carrier (its peer is down) and down altogether, both with addresses.
      'link add nc0 type veth peer name nc1',
      'addr add 198.51.100.1/25 dev nc0',
      'addr add 2001:db8:6::1/64 dev nc0 nodad',
      'link set nc0 up',
      'addr add 198.51.100.129/25 dev nc1',
      'link add pp0 type veth peer name pp1',
      'addr add 203.0.113.5 peer 203.0.113.6/32 dev pp0',
    ];
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch.join('\n')}\n` });
  });

  afterAll(() => {
    if (made) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('equals ip -j addr: nodad IPv6, labels, a point-to-point peer, every link up or down', () => {
    const { ours, ip, interfaces } = compare(ns);
    expect(ours).toEqual(ip);
    const up0 = interfaces.find((i) => i.name === 'up0')!;
    expect(
      up0.addresses
        .filter((a) => a.scope === 'global')
        .map((a) => [a.address, a.family === 'inet' ? a.label : a.flags]),
    ).toEqual([
      ['192.0.2.1', 'up0'],
      ['192.0.2.7', 'up0:web'],
      ['2001:db8:5::1', ['nodad', 'permanent']],
    ]);
    const byName = (n: string) => interfaces.find((i) => i.name === n)!;
    expect(byName('nc0').addresses.map((a) => a.address)).toContain('198.51.100.1');
    expect(byName('nc1')).toMatchObject({ operState: 'down' });
    expect(byName('nc1').addresses.map((a) => a.address)).toEqual(['198.51.100.129']);
  });
});
