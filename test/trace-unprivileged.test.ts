import { describe, expect, it } from 'vitest';
import { createLab } from './lab/index.js';
import { asNobody, ndjson, netdiagArgv } from './support/cli.js';

const root = process.getuid?.() === 0;

interface HopRow {
  address: string;
  sent: number;
  received: number;
  reachedDestination: boolean;
  mark: string;
}

/** Each hop of the end event: first responder ('*' for none), probes sent and answered, how it ended. */
function endHops(stdout: string): HopRow[] {
  const end = ndjson(stdout).find((e) => e.type === 'end') as
    | { hops: (Omit<HopRow, 'address'> & { responders: { address: string }[] })[] }
    | undefined;
  if (!end) throw new Error(`no end event in:\n${stdout}`);
  return end.hops.map((h) => ({
    address: h.responders[0]?.address ?? '*',
    sent: h.sent,
    received: h.received,
    reachedDestination: h.reachedDestination,
    mark: h.mark,
  }));
}

/** The first address on each hop line of `traceroute -n`, '*' where every probe was silent. */
function tracerouteHops(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => /^\s*\d+\s+(?:\*\s+)*([0-9a-f:.]+)/i.exec(l)?.[1] ?? '*');
}

describe.skipIf(!root)('netdiag trace without privilege (needs root to build the lab)', () => {
  it('traces with ICMP over datagram sockets where ping_group_range admits the user, IPv4 and IPv6', async () => {
    const lab = await createLab({
      hosts: { client: { pingGroupRange: [0, 2_147_483_647] } },
      chains: { path: { from: 'client', to: 'target', routers: 3 } },
    });
    try {
      for (const family of [4, 6] as const) {
        const target = lab.addr('target', family);
        const r = await lab.exec('client', asNobody(netdiagArgv('trace', '-n', '-I', '--json', target)));
        expect(r.code, r.stderr).toBe(0);
        const events = ndjson(r.stdout);
        expect(events[0]).toMatchObject({ type: 'start', backend: 'native-dgram' });
        const end = events.find((e) => e.type === 'end') as { hops: { responders: { address: string }[] }[] };
        expect(end.hops.map((h) => h.responders[0]?.address)).toEqual([
          ...lab.topology.chains.path!.hops[family],
          target,
        ]);
        // traceroute's own unprivileged method (UDP with IP_RECVERR) sees the same path.
        const theirs = await lab.exec('client', asNobody(['traceroute', `-${family}`, '-n', target]));
        const hops = theirs.stdout
          .split('\n')
          .filter((l) => /^\s*\d+\s/.test(l))
          .map((l) => /^\s*\d+\s+([0-9a-f:.]+)/i.exec(l)?.[1]);
        expect(hops).toEqual(end.hops.map((h) => h.responders[0]?.address));
      }
    } finally {
      await lab.destroy();
    }
  });

  it('traces with UDP over datagram sockets (IP_RECVERR) where ping_group_range admits nobody, IPv4 and IPv6, as traceroute does and as raw sockets do', async () => {
    // The namespace default ping_group_range ("1 0") admits no group: no ICMP socket of any kind.
    const lab = await createLab({ chains: { path: { from: 'client', to: 'target', routers: 3 } } });
    try {
      const noIcmp = await lab.exec(
        'client',
        asNobody(netdiagArgv('trace', '-n', '-I', lab.addr('target', 4))),
      );
      expect(noIcmp.code, 'ICMP must be refused here, or this test proves nothing').toBe(2);
      // With no method asked for, netdiag falls back to UDP there, as traceroute does.
      const unasked = await lab.exec(
        'client',
        asNobody(netdiagArgv('trace', '-n', '--json', lab.addr('target', 4))),
      );
      expect(unasked.code, unasked.stderr).toBe(0);
      expect(ndjson(unasked.stdout)[0]).toMatchObject({
        type: 'start',
        method: 'udp',
        backend: 'native-dgram',
      });
      for (const family of [4, 6] as const) {
        const target = lab.addr('target', family);
        const r = await lab.exec('client', asNobody(netdiagArgv('trace', '-n', '-U', '--json', target)));
        expect(r.code, r.stderr).toBe(0);
        const events = ndjson(r.stdout);
        expect(events[0]).toMatchObject({ type: 'start', method: 'udp', backend: 'native-dgram' });
        const ours = endHops(r.stdout);
        expect(ours.map((h) => h.address)).toEqual([...lab.topology.chains.path!.hops[family], target]);
        expect(ours.at(-1)).toMatchObject({ reachedDestination: true, mark: '' });
        // traceroute's own unprivileged method (a UDP datagram socket per probe) sees the same path.
        const theirs = await lab.exec('client', asNobody(['traceroute', `-${family}`, '-n', target]));
        expect(tracerouteHops(theirs.stdout), theirs.stdout + theirs.stderr).toEqual(
          ours.map((h) => h.address),
        );
        // And raw sockets (as root) give the same hop table: responders, probes sent and answered.
        const raw = await lab.exec('client', netdiagArgv('trace', '-n', '-U', '--json', target));
        expect(raw.code, raw.stderr).toBe(0);
        expect(ndjson(raw.stdout)[0]).toMatchObject({ backend: 'native-raw' });
        expect(endHops(raw.stdout)).toEqual(ours);
      }
    } finally {
      await lab.destroy();
    }
  });

  it('without privilege, UDP shows a silent router as * and an admin-prohibited target as !X, as traceroute does', async () => {
    const lab = await createLab({
      hosts: { r1: { silent: true }, target: { reject: 'admin-prohibited' } },
      chains: { path: { from: 'client', to: 'target', routers: 2 } },
    });
    try {
      for (const family of [4, 6] as const) {
        const target = lab.addr('target', family);
        const r = await lab.exec(
          'client',
          asNobody(netdiagArgv('trace', '-n', '-U', '-w', '1', '--json', target)),
        );
        const ours = endHops(r.stdout);
        expect(ours.map((h) => h.address)).toEqual(['*', lab.topology.chains.path!.hops[family][1], target]);
        expect(ours.at(-1)?.mark).toBe('!X');
        // Nothing answered as the destination would: exit 1, as for any unreachable end.
        expect(r.code, r.stderr).toBe(1);
        const theirs = await lab.exec(
          'client',
          asNobody(['traceroute', `-${family}`, '-n', '-w', '1', target]),
        );
        expect(tracerouteHops(theirs.stdout), theirs.stdout).toEqual(ours.map((h) => h.address));
        expect(theirs.stdout.trim().split('\n').at(-1)).toContain('!X');
      }
    } finally {
      await lab.destroy();
    }
  });

  it('without privilege, UDP keeps measuring in rounds (-c), each probe on a socket of its own', async () => {
    const lab = await createLab({ chains: { path: { from: 'client', to: 'target', routers: 2 } } });
    try {
      for (const family of [4, 6] as const) {
        const target = lab.addr('target', family);
        const r = await lab.exec(
          'client',
          asNobody(netdiagArgv('trace', '-n', '-U', '-c', '4', '-i', '0.05', '--json', target)),
        );
        expect(r.code, r.stderr).toBe(0);
        const ours = endHops(r.stdout);
        expect(ours.map((h) => h.address)).toEqual([...lab.topology.chains.path!.hops[family], target]);
        for (const h of ours) expect(h).toMatchObject({ sent: 4, received: 4 });
      }
    } finally {
      await lab.destroy();
    }
  });

  it('says in one line that TCP probes need privilege, and that UDP needs none', async () => {
    const lab = await createLab({ chains: { path: { from: 'client', to: 'target', routers: 1 } } });
    try {
      const r = await lab.exec('client', asNobody(netdiagArgv('trace', '-n', '-T', lab.addr('target', 4))));
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('privileged helper');
      expect(lines[0]).not.toContain('setcap');
      expect(lines[0]).toContain('-U');
    } finally {
      await lab.destroy();
    }
  });
});
