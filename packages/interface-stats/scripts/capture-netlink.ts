// Records a NETLINK_ROUTE dump of addresses (RTM_GETADDR) and neighbours (RTM_GETNEIGH) as hex
// datagrams, with `ip -j addr`, `ip -j neigh` and the link names of the same moment, as a
// fixture for the netlink decoders' tests. A development tool (it opens the socket through
// @netdiag/native-socket directly; netdiag's code gets its sockets from @netdiag/probe-socket).
//   ip netns exec NS node --import tsx packages/interface-stats/scripts/capture-netlink.ts > out.json
import { execFileSync } from 'node:child_process';
import { open } from '@netdiag/native-socket';
import { decodeNetlinkMessages, encodeNetlinkMessage, NlMsgType, NlmFlags } from '../src/netlink.js';
import { readLinks } from '../src/read.js';

const NETLINK_ROUTE = 0;
const socket = open({ domain: 'netlink', type: 'raw', protocol: NETLINK_ROUTE });
socket.connect({ family: 'netlink', portId: 0, groups: 0 });

function dump(type: number, payload: Uint8Array, seq: number): Promise<string[]> {
  return new Promise((resolve) => {
    const datagrams: string[] = [];
    const stop = socket.onMessage((m) => {
      datagrams.push(Buffer.from(m.data).toString('hex'));
      if (
        decodeNetlinkMessages(m.data).some(
          (x) => x.seq === seq && (x.type === NlMsgType.Done || x.type === NlMsgType.Error),
        )
      ) {
        stop();
        resolve(datagrams);
      }
    });
    void socket.send(encodeNetlinkMessage({ type, flags: NlmFlags.Request | NlmFlags.Dump, seq, payload }));
  });
}

const addr = await dump(22, new Uint8Array(8), 1);
const neigh = await dump(30, new Uint8Array(12), 2);
socket.close();
const ip = (args: string[]) =>
  JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' })) as unknown;
const links = Object.fromEntries(readLinks().map((l) => [l.index, l.name]));
// The address part goes to interface-stats/src/fixtures/netlink.json, the neighbour part to
// arp/src/fixtures/netlink-neigh.json.
process.stdout.write(
  `${JSON.stringify({ addr, neigh, links, ipAddr: ip(['addr']), ipNeigh: ip(['neigh']) }, null, 1)}\n`,
);
