import { describe, expect, it } from 'vitest';
import { icmpLimitsPerNetns, planLab } from './plan.js';
import { standardLab } from './spec.js';
import { hopsBetween } from './topology.js';

// The planner is pure: these run without root and pin down the addressing and routing rules.
describe('planLab', () => {
  const { topology, root, namespaces } = planLab('nd1234', standardLab());

  it('gives the standard chain its hop lists from the routers facing the client', () => {
    const main = topology.chains.main!;
    expect(main.routers).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(main.hops[4]).toEqual(main.routers.map((r) => topology.hosts[r]!.interfaces[0]!.v4));
    expect(main.hops[6]).toEqual(main.routers.map((r) => topology.hosts[r]!.interfaces[0]!.v6));
    expect(hopsBetween(topology, 'client', 'far', 4)).toEqual([...main.hops[4], topology.hosts.far!.v4]);
    expect(hopsBetween(topology, 'client', 't3', 6)).toEqual([
      ...main.hops[6].slice(0, 3),
      topology.hosts.t3!.v6,
    ]);
    // An address on the owner's lo is the last hop itself, reached via r3's link address.
    expect(hopsBetween(topology, 'client', '198.18.2.9', 4)).toEqual([
      ...main.hops[4].slice(0, 3),
      '198.18.2.9',
    ]);
  });

  it('keeps every address in the documentation ranges and every link subnet distinct', () => {
    const v4 = topology.links.map((l) => l.v4);
    expect(new Set(v4).size).toBe(v4.length);
    for (const l of topology.links) {
      expect(l.v4).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\/30$/);
      expect(l.v6).toMatch(/^2001:db8:[0-9a-f]+::\/64$/);
    }
  });

  it('names namespaces after the lab id and creates each veth pair inside its namespaces', () => {
    expect(topology.namespaces.every((ns) => ns.startsWith('nd1234-'))).toBe(true);
    expect(root).toHaveLength(topology.links.length);
    for (const line of root) {
      const m = /^link add (\S+) netns (\S+) type veth peer name (\S+) netns (\S+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]!.length).toBeLessThanOrEqual(15);
      expect(m![3]!.length).toBeLessThanOrEqual(15);
      expect(topology.namespaces).toContain(m![2]);
      expect(topology.namespaces).toContain(m![4]);
    }
  });

  it('routes every host to every link and to the many-address prefix', () => {
    for (const h of Object.values(topology.hosts)) {
      const connected = new Set(h.interfaces.map((i) => topology.links[i.link]!.v4));
      const routed = new Set(h.routes[4].map((r) => r.prefix));
      for (const l of topology.links) expect(connected.has(l.v4) || routed.has(l.v4)).toBe(true);
      if (h.name !== 'many') expect(routed.has('198.18.0.0/22')).toBe(true);
    }
    const many = namespaces.find((n) => n.ns === 'nd1234-many')!;
    expect(many.ip.filter((l) => / dev lo$/.test(l))).toHaveLength(1024);
  });

  it('turns features into sysctls and nftables rules', () => {
    const ns = (h: string) => namespaces.find((n) => n.ns === `nd1234-${h}`)!;
    expect(ns('r1').sysctl).toContain('net.ipv4.ip_forward=1');
    expect(ns('client').sysctl).not.toContain('net.ipv4.ip_forward=1');
    expect(ns('delayed').sysctl).toContain('net.ipv6.icmp.echo_ignore_all=1');
    expect(ns('delayed').echo).toEqual({ delayMs: 20, jitterMs: 0 });
    expect(ns('lossy').nft).toContain('icmp type echo-request numgen random mod 100 < 30 drop');
    expect(ns('reject').nft).toContain('reject with icmpv6 type admin-prohibited');
    expect(ns('t3').nft).toBeNull();
  });

  it('lifts the ICMP budget only where it is per namespace, never the host-wide one', () => {
    expect(icmpLimitsPerNetns('6.18.44-fc-v669')).toBe(true);
    expect(icmpLimitsPerNetns('6.12.0')).toBe(true);
    expect(icmpLimitsPerNetns('6.1.0-18-amd64')).toBe(false);
    expect(icmpLimitsPerNetns('5.15.0')).toBe(false);
    const sysctls = (perNetns: boolean) =>
      planLab('nd00ac', standardLab(), { icmpLimitsPerNetns: perNetns }).namespaces.flatMap((n) => n.sysctl);
    expect(sysctls(true)).toContain('net.ipv4.icmp_msgs_burst=10000');
    expect(sysctls(false).some((s) => s.startsWith('net.ipv4.icmp_msgs'))).toBe(false);
  });

  it('makes equal-cost paths into multipath routes', () => {
    // b's own address on lo is as far via x as via y (its link addresses are not).
    const { topology: t, namespaces: n } = planLab('nd00aa', {
      hosts: { b: { prefixes: ['198.18.5.1/32', '2001:db8:ff::1/128'] } },
      chains: { top: { from: 'a', to: 'b', routers: ['x'] }, bottom: { from: 'a', to: 'b', routers: ['y'] } },
    });
    const multipath = [...t.hosts.a!.routes[4], ...t.hosts.a!.routes[6]].filter((r) => r.via.length > 1);
    expect(multipath.map((r) => [r.prefix, r.via.map((v) => v.host)])).toEqual([
      ['198.18.5.1/32', ['x', 'y']],
      ['2001:db8:ff::1/128', ['x', 'y']],
    ]);
    expect(n.find((x) => x.ns === 'nd00aa-a')!.ip).toContain(
      `route add 198.18.5.1/32 nexthop via ${t.hosts.x!.v4} dev eth0 nexthop via ${t.hosts.y!.v4} dev eth1`,
    );
  });

  it('bridges a link of more than two hosts in a switch namespace', () => {
    const { topology: t } = planLab('nd00ab', {
      links: [{ hosts: ['a', 'b', 'c', 'd'], v4: '198.51.100.0/29' }],
    });
    expect(t.links[0]!.switchNs).toBe('nd00ab-sw.0');
    expect(Object.values(t.hosts).map((h) => h.v4)).toEqual([
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
      '198.51.100.4',
    ]);
  });

  it('refuses specs that would leave the lab ranges or cannot be routed', () => {
    expect(() => planLab('nd0001', { links: [{ hosts: ['a', 'b'], v4: '10.0.0.0/30' }] })).toThrow(
      /outside the lab ranges/,
    );
    expect(() =>
      planLab('nd0001', { hosts: { m: { prefixes: ['8.8.8.0/24'] } }, links: [{ hosts: ['m', 'n'] }] }),
    ).toThrow(/outside the lab ranges/);
    expect(() => planLab('nd0001', { links: [{ hosts: ['a', 'b'] }, { hosts: ['b', 'c'] }] })).toThrow(
      /'a' cannot reach 'c'/,
    );
    expect(() => planLab('nd0001', { links: [{ hosts: ['a', 'b'], v4: '192.0.2.1/30' }] })).toThrow(
      /host bits/,
    );
    expect(() => planLab('nd0001', { hosts: { lone: {} } })).toThrow(/on no link/);
    expect(() => planLab('nd0001', { links: [{ hosts: ['a b', 'c'] }] })).toThrow(/host name/);
  });
});
