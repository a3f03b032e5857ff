import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { comparableFromInterface, comparableFromIpJson, type Interface } from '@netdiag/interface-stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';

// `netdiag if` against iproute2, run side by side inside each namespace. Addresses only from
// 192.0.2.0/24 and 2001:db8::/32; every namespace made here is removed in afterAll.

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

/** netdiag's list in iproute2's terms; IPv4 dropped only where netdiag says it cannot see it. */
function compare(ns: string): { ours: unknown[]; ip: unknown[]; blind: string[] } {
  const ifs = netdiagIf(ns);
  const ip = ipJson(ns, 'addr').map(comparableFromIpJson);
  const blind = ifs.filter((i) => !i.ipv4Complete).map((i) => i.name);
  return {
    ours: ifs.map(comparableFromInterface),
    ip: ip.map((e) =>
      blind.includes(e.ifname) ? { ...e, addr_info: e.addr_info.filter((a) => a.family !== 'inet') } : e,
    ),
    blind,
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
      const links = ipJson(ns, 'link').map(comparableFromIpJson);
      expect(
        (ours as ReturnType<typeof comparableFromInterface>[]).map((o) => ({ ...o, addr_info: [] })),
        ns,
      ).toEqual(links.map((l) => ({ ...l, addr_info: [] })));
      compared += ours.length;
    }
    expect(compared).toBeGreaterThan(lab.topology.namespaces.length);
  });

  it('every lab host with an IPv4 address on an up link shows it (no blind spot where it matters)', () => {
    for (const h of Object.values(lab.topology.hosts)) {
      const ifs = netdiagIf(h.ns);
      for (const want of h.interfaces) {
        const i = ifs.find((x) => x.name === want.name)!;
        expect(i.ipv4Complete, `${h.name} ${want.name}`).toBe(true);
        expect(i.addresses.map((a) => a.address)).toContain(want.v4);
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
    // A second address with a label, a down link with an address (the getifaddrs blind spot),
    // and a non-default MTU.
    execFileSync('ip', ['-n', a, 'addr', 'add', '192.0.2.3/24', 'dev', 'va', 'label', 'va:two']);
    execFileSync('ip', ['-n', a, 'link', 'add', 'dn0', 'type', 'veth', 'peer', 'name', 'dn1']);
    execFileSync('ip', ['-n', a, 'addr', 'add', '192.0.2.129/25', 'dev', 'dn0']);
    execFileSync('ip', ['-n', a, 'link', 'set', 'va', 'mtu', '1400']);
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

  it('equals ip -j addr, and says where IPv4 cannot be seen instead of showing none', () => {
    const { ours, ip, blind } = compare(a);
    expect(ours).toEqual(ip);
    // dn0 is UP without carrier (its peer is down): ip shows its address, getifaddrs cannot.
    expect(blind.sort()).toEqual(['dn0', 'dn1']);
    const dn0 = ipJson(a, 'addr').find((e) => e.ifname === 'dn0')!;
    expect((dn0.addr_info as { local: string }[]).map((x) => x.local)).toEqual(['192.0.2.129']);
    expect(inNs(a, [process.execPath, cli, 'if', 'dn0'])).toMatch(/inet {2}\(not visible/);
    const va = netdiagIf(a, 'va')[0]!;
    expect(va.addresses.filter((x) => x.family === 'inet')).toEqual([
      { family: 'inet', address: '192.0.2.1', prefixLength: 24, scope: 'global', label: 'va' },
      { family: 'inet', address: '192.0.2.3', prefixLength: 24, scope: 'global', label: 'va:two' },
    ]);
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
