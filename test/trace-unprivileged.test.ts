import { describe, expect, it } from 'vitest';
import { createLab } from './lab/index.js';
import { ndjson, netdiagArgv } from './support/cli.js';

const root = process.getuid?.() === 0;
/** Runs argv as nobody (uid 65534) with no capabilities at all. */
const asNobody = (argv: string[]) => [
  'setpriv',
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
  ...argv,
];

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

  it('says in one line what UDP probes need when run without privilege', async () => {
    const lab = await createLab({
      hosts: { client: { pingGroupRange: [0, 2_147_483_647] } },
      chains: { path: { from: 'client', to: 'target', routers: 1 } },
    });
    try {
      const r = await lab.exec('client', asNobody(netdiagArgv('trace', '-n', '-U', lab.addr('target', 4))));
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('setcap cap_net_raw+ep');
    } finally {
      await lab.destroy();
    }
  });
});
