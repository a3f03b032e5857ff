// Run inside a namespace of its own by native-socket-kernel.test.ts; prints one JSON line.
//   links:          dumps the links over rtnetlink (RTM_GETLINK): [{index, name}]
//   arp IF TARGET:  asks TARGET's MAC with an ARP request on a packet socket bound to IF
import { open } from '../packages/native-socket/src/index.js';

const [mode, ...args] = process.argv.slice(2);
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFLA_IFNAME = 3;

if (mode === 'links') {
  const nl = open({ domain: 'netlink', type: 'raw', protocol: 0 /* NETLINK_ROUTE */ });
  nl.bind({ family: 'netlink', portId: 0, groups: 0 });
  const links: { index: number; name: string }[] = [];
  const done = new Promise<void>((resolve) =>
    nl.onMessage((m) => {
      // A datagram holds one or more netlink messages, each 4-byte aligned.
      for (let at = 0; at + 16 <= m.data.length; ) {
        const len = m.data.readUInt32LE(at);
        const type = m.data.readUInt16LE(at + 4);
        if (len < 16) break;
        if (type === NLMSG_DONE) resolve();
        if (type === RTM_NEWLINK) {
          const index = m.data.readInt32LE(at + 20);
          for (let a = at + 32; a + 4 <= at + len; ) {
            const alen = m.data.readUInt16LE(a);
            if (alen < 4) break;
            if (m.data.readUInt16LE(a + 2) === IFLA_IFNAME)
              links.push({ index, name: m.data.toString('utf8', a + 4, a + alen).replace(/\0+$/, '') });
            a += (alen + 3) & ~3;
          }
        }
        at += (len + 3) & ~3;
      }
    }),
  );
  const request = Buffer.alloc(32);
  request.writeUInt32LE(32, 0);
  request.writeUInt16LE(RTM_GETLINK, 4);
  request.writeUInt16LE(0x1 | 0x300, 6); // NLM_F_REQUEST | NLM_F_DUMP
  request.writeUInt32LE(1, 8);
  await nl.send(request, { family: 'netlink', portId: 0, groups: 0 });
  await done;
  nl.close();
  process.stdout.write(`${JSON.stringify(links)}\n`);
} else if (mode === 'arp') {
  const [ifname, target, source] = args as [string, string, string];
  const { readFileSync } = await import('node:fs');
  const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
  const ownMac = Buffer.from(
    readFileSync(`/sys/class/net/${ifname}/address`, 'utf8')
      .trim()
      .split(':')
      .map((h) => Number.parseInt(h, 16)),
  );
  const ETH_P_ARP = 0x0806;
  const socket = open({ domain: 'packet', type: 'dgram', protocol: ETH_P_ARP });
  socket.bind({ family: 'packet', protocol: ETH_P_ARP, ifindex });
  const ip = (a: string) => Buffer.from(a.split('.').map(Number));
  const reply = new Promise<{ mac: string; from: string; ifindex: number | undefined }>((resolve) =>
    socket.onMessage((m) => {
      // ARP reply (op 2) from the target: sender hardware address at 8, sender IP at 14.
      if (m.data.readUInt16BE(6) !== 2 || !m.data.subarray(14, 18).equals(ip(target))) return;
      const mac = [...m.data.subarray(8, 14)].map((b) => b.toString(16).padStart(2, '0')).join(':');
      const from =
        m.from?.family === 'packet'
          ? [...(m.from.hardwareAddress ?? [])].map((b) => b.toString(16).padStart(2, '0')).join(':')
          : '';
      resolve({ mac, from, ifindex: m.ifindex });
    }),
  );
  const request = Buffer.alloc(28);
  request.writeUInt16BE(1, 0); // Ethernet
  request.writeUInt16BE(0x0800, 2); // IPv4
  request[4] = 6;
  request[5] = 4;
  request.writeUInt16BE(1, 6); // request
  ownMac.copy(request, 8);
  ip(source).copy(request, 14);
  ip(target).copy(request, 24);
  await socket.send(request, {
    family: 'packet',
    protocol: ETH_P_ARP,
    ifindex,
    hardwareAddress: Buffer.alloc(6, 0xff),
  });
  const r = await reply;
  socket.close();
  process.stdout.write(`${JSON.stringify({ ...r, expectedIfindex: ifindex })}\n`);
}
