import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { comparableFromInterface, comparableFromIpJson, type Interface } from '@netdiag/interface-stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';

// The netlink address source over a real NETLINK_ROUTE socket, in every lab namespace and in one
// of this test's own with the cases getifaddrs cannot see (a link without carrier, a link that is
// down, a point-to-point peer): readInterfaces() must then equal `ip -j addr` with no exception.
// The socket comes from @netdiag/native-socket through the adapter in RUNNER, run inside the
// namespace; @netdiag/probe-socket is to offer the same to `netdiag if`.

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNNER = `
const [source, nativeSocket] = process.argv.slice(1);
const stats = await import(source);
const { open } = await import(nativeSocket);
const raw = open({ domain: 'netlink', type: 'raw', protocol: 0 });
raw.connect({ family: 'netlink', portId: 0, groups: 0 });
const socket = { send: (m) => raw.send(m), onMessage: (l) => raw.onMessage((m) => l(m.data)) };
const interfaces = await stats.readInterfaces({ addresses: stats.netlinkAddressSource(socket), counters: false });
raw.close();
console.log(JSON.stringify(interfaces));
`;

function viaNetlink(ns: string): Interface[] {
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      RUNNER,
      `${root}packages/interface-stats/src/index.ts`,
      `${root}packages/native-socket/dist/index.js`,
    ],
    { encoding: 'utf8', cwd: root, timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`runner failed in ${ns}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Interface[];
}
const ipAddr = (ns: string) =>
  (JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'addr']).toString()) as Record<string, unknown>[]).map(
    comparableFromIpJson,
  );

const { nativeAvailability } = await import('@netdiag/native-socket');

describe.skipIf(process.getuid?.() !== 0 || !nativeAvailability().available)(
  'interfaces through netlink',
  () => {
    const lab = useLab();
    const ns = `nd${randomBytes(3).toString('hex')}-nl`;
    let made = false;

    beforeAll(() => {
      execFileSync('ip', ['netns', 'add', ns]);
      made = true;
      const batch = [
        'link set lo up',
        'link add up0 type veth peer name up1',
        'addr add 192.0.2.1/24 dev up0',
        'addr add 192.0.2.7/24 dev up0 label up0:web',
        'addr add 2001:db8:5::1/64 dev up0 nodad',
        'link set up0 up',
        'link set up1 up',
        // Up without carrier (its peer is down) and down altogether: getifaddrs sees neither.
        'link add nc0 type veth peer name nc1',
        'addr add 198.51.100.1/25 dev nc0',
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

    it('equals ip -j addr everywhere, IPv4 of links that are down included', () => {
      const ours = viaNetlink(ns);
      expect(ours.map(comparableFromInterface)).toEqual(ipAddr(ns));
      expect(ours.every((i) => i.ipv4Complete)).toBe(true);
      const down = ours.find((i) => i.name === 'nc1')!;
      expect(down.operState).toBe('down');
      expect(down.addresses.map((a) => a.address)).toEqual(['198.51.100.129']);
    });

    it('equals ip -j addr in every lab namespace', () => {
      for (const n of lab.topology.namespaces)
        expect(viaNetlink(n).map(comparableFromInterface), n).toEqual(ipAddr(n));
    });
  },
);
