import { execFileSync } from 'node:child_process';
import { dumpLinkNames, netlinkAddressSource, readLinks } from '@netdiag/interface-stats';
import { nativeAvailability } from '@netdiag/native-socket';
import { describe, expect, it } from 'vitest';
import { openNetlinkRoute } from './netlink-route.js';

// A real NETLINK_ROUTE socket in the test's own namespace, compared with `ip -j` of the same
// moment (no privilege needed for dumps).
describe.skipIf(!nativeAvailability().available)('openNetlinkRoute', () => {
  it('link names and addresses equal ip -j link and ip -j addr', async () => {
    const socket = await openNetlinkRoute();
    try {
      const names = await dumpLinkNames(socket);
      const ipLinks = JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as {
        ifindex: number;
        ifname: string;
      }[];
      expect([...names].sort(([a], [b]) => a - b)).toEqual(ipLinks.map((l) => [l.ifindex, l.ifname]));
      const { byIndex } = await netlinkAddressSource(socket).read(readLinks());
      const ipAddr = JSON.parse(execFileSync('ip', ['-j', 'addr']).toString()) as {
        ifindex: number;
        addr_info: { local: string; prefixlen: number }[];
      }[];
      for (const l of ipAddr) {
        expect((byIndex.get(l.ifindex) ?? []).map((a) => `${a.address}/${a.prefixLength}`).sort()).toEqual(
          l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort(),
        );
      }
    } finally {
      socket.close();
    }
  });
});
