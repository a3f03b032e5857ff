import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NeighbourTable } from '@netdiag/arp';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';

// The netlink neighbour source over a real NETLINK_ROUTE socket: after IPv4 and IPv6 pings to
// lab neighbours and to unused addresses, the table equals `ip -j neigh` with exact states and
// both families (what /proc/net/arp cannot give). The socket comes from @netdiag/native-socket
// through the adapter in RUNNER, run inside the namespace.

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNNER = `
const [arpSource, statsSource, nativeSocket] = process.argv.slice(1);
const arp = await import(arpSource);
const stats = await import(statsSource);
const { open } = await import(nativeSocket);
const raw = open({ domain: 'netlink', type: 'raw', protocol: 0 });
raw.connect({ family: 'netlink', portId: 0, groups: 0 });
const socket = { send: (m) => raw.send(m), onMessage: (l) => raw.onMessage((m) => l(m.data)) };
const names = () => new Map(stats.readLinks().map((l) => [l.index, l.name]));
const table = await arp.readNeighbours({ source: arp.netlinkNeighbourSource(socket, names) });
raw.close();
console.log(JSON.stringify(table));
`;

interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}

const { nativeAvailability } = await import('@netdiag/native-socket');

describe.skipIf(process.getuid?.() !== 0 || !nativeAvailability().available)(
  'neighbours through netlink',
  () => {
    let lab: Lab;
    const neighbours = ['n1', 'n2'];

    beforeAll(async () => {
      lab = await createLab({ links: [{ hosts: ['scanner', ...neighbours] }] });
      for (const n of neighbours) {
        for (const family of ['-4', '-6']) {
          const addr = lab.addr(n, family === '-4' ? 4 : 6);
          for (let attempt = 0; attempt < 10; attempt++) {
            if ((await lab.exec('scanner', ['ping', family, '-c', '1', '-W', '1', addr])).code === 0) break;
          }
        }
      }
      // Unused addresses of the subnet: resolution fails (incomplete, then failed).
      const [v4net, v4len] = ipaddr.parseCIDR(lab.topology.links[0]!.v4);
      const v4 = v4net.toByteArray();
      v4[3] = v4[3]! + 2 ** (32 - v4len) - 2; // the last host address: the lab numbers from the first
      await lab.exec('scanner', ['ping', '-c', '1', '-W', '1', v4.join('.')]);
      const v6 = ipaddr.parseCIDR(lab.topology.links[0]!.v6)[0].toByteArray();
      v6[14] = 0xde;
      v6[15] = 0xad;
      await lab.exec('scanner', ['ping', '-6', '-c', '1', '-W', '1', ipaddr.fromByteArray(v6).toString()]);
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('equals ip -j neigh: both families, exact states, MACs as ip link shows them', () => {
      const run = () => {
        const r = spawnSync(
          'ip',
          [
            'netns',
            'exec',
            lab.ns('scanner'),
            process.execPath,
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            RUNNER,
            `${root}packages/arp/src/index.ts`,
            `${root}packages/interface-stats/src/index.ts`,
            `${root}packages/native-socket/dist/index.js`,
          ],
          { encoding: 'utf8', cwd: root, timeout: 60_000 },
        );
        if (r.status !== 0) throw new Error(`runner failed: ${r.stderr}`);
        return JSON.parse(r.stdout) as NeighbourTable;
      };
      const key = (x: { dst: string }) => x.dst;
      const byDst = (a: { dst: string }, b: { dst: string }) => key(a).localeCompare(key(b));
      // States move on their own (reachable to stale, incomplete to failed): read both a few
      // times and keep a pair that agrees, then require that it exists.
      let ours: { dst: string; dev: string; lladdr: string | null; state: string }[] = [];
      let theirs: typeof ours = [];
      let table: NeighbourTable | undefined;
      for (let attempt = 0; attempt < 5; attempt++) {
        table = run();
        ours = table.neighbours
          .map((n) => ({ dst: n.address, dev: n.interface, lladdr: n.mac ?? null, state: n.state }))
          .sort(byDst);
        theirs = (
          JSON.parse(execFileSync('ip', ['-n', lab.ns('scanner'), '-j', 'neigh']).toString()) as IpNeigh[]
        )
          .map((n) => ({
            dst: n.dst,
            dev: n.dev,
            lladdr: n.lladdr ?? null,
            state: n.state[0]!.toLowerCase(),
          }))
          .sort(byDst);
        if (JSON.stringify(ours) === JSON.stringify(theirs)) break;
      }
      expect(ours).toEqual(theirs);
      expect(table!.exactStates).toBe(true);
      expect(table!.missing).toEqual([]);
      for (const n of neighbours) {
        const mac = (
          JSON.parse(execFileSync('ip', ['-n', lab.ns(n), '-j', 'link', 'show', 'eth0']).toString()) as {
            address: string;
          }[]
        )[0]!.address;
        for (const family of [4, 6] as const) {
          expect(ours.find((e) => e.dst === lab.addr(n, family))).toMatchObject({
            lladdr: mac,
            state: expect.stringMatching(/^(reachable|stale|delay|probe)$/),
          });
        }
      }
      expect(ours.some((e) => e.dst.includes(':') && e.lladdr === null)).toBe(true);
      expect(ours.some((e) => !e.dst.includes(':') && e.lladdr === null)).toBe(true);
    });
  },
);
