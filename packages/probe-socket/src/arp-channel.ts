// The ARP frame channel: an AF_PACKET socket for EtherType 0x0806 on one interface, for
// @netdiag/arp's probe and scan drivers. The addon is imported when a channel opens, not before,
// so that importing this package costs commands that never open one nothing.
import { readFileSync } from 'node:fs';
import type { FrameChannel } from '@netdiag/arp';
import { ProbeSocketError, toProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';
import { openPacketSocket } from './packet-socket.js';

const ETH_P_ARP = 0x0806;
/** sockaddr_ll.sll_pkttype of a frame this host sent (looped back to packet sockets). */
const PACKET_OUTGOING = 4;
const ARPHRD_ETHER = 1;
const IFF_NOARP = 0x80;

/** What a channel needs to know about its interface, read from /sys/class/net by default. */
export interface ArpInterface {
  readonly ifindex: number;
  readonly mac: string;
}

/**
 * The interface's index and MAC, refusing what ARP cannot run on (arping does the same: "not
 * ARPable"): a name the kernel would refuse, a link that is not Ethernet, a NOARP link.
 */
export function arpInterface(
  ifname: string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ArpInterface {
  // IFNAMSIZ is 16 with the NUL; '/' and whitespace are refused by the kernel, and '.' / '..'
  // would walk out of /sys/class/net.
  if (!/^[^\s/]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..')
    throw new ProbeSocketError(`'${ifname}' is not an interface name`, 'EINVAL', 'bind');
  const dir = `/sys/class/net/${ifname}`;
  let index: string;
  let type: string;
  let flags: string;
  let address: string;
  try {
    index = readFile(`${dir}/ifindex`);
    type = readFile(`${dir}/type`);
    flags = readFile(`${dir}/flags`);
    address = readFile(`${dir}/address`);
  } catch (err) {
    // Out of descriptors is not "no such interface": say which it is.
    const e = toProbeSocketError(err, 'socket');
    if (e.isResourceExhausted) throw e;
    throw new ProbeSocketError(`no interface named '${ifname}'`, 'EINVAL', 'bind', { cause: err });
  }
  const ifindex = Number.parseInt(index, 10);
  if (Number.parseInt(type, 10) !== ARPHRD_ETHER)
    throw new ProbeSocketError(`${ifname} is not an Ethernet interface: no ARP on it`, 'EINVAL', 'bind');
  if ((Number.parseInt(flags, 16) & IFF_NOARP) !== 0)
    throw new ProbeSocketError(`${ifname} does not use ARP (NOARP)`, 'EINVAL', 'bind');
  const mac = address.trim().toLowerCase();
  if (!Number.isInteger(ifindex) || ifindex <= 0 || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac))
    throw new ProbeSocketError(`${ifname}: unreadable index or MAC in ${dir}`, 'EINVAL', 'bind');
  return { ifindex, mac };
}

/**
 * Opens a FrameChannel for ARP on `ifname`: a raw AF_PACKET socket bound to the interface, which
 * hands over every ARP frame received there (not the ones this host sends) with the kernel's
 * receive time, on the performance.now() scale. Needs CAP_NET_RAW. Throws ProbeSocketError: the
 * interface is unknown or not Ethernet (EINVAL), no permission (isPermissionDenied; the message
 * names the fix), the addon unavailable (UNKNOWN; the message says why and how to build it).
 */
export async function openArpChannel(
  ifname: string,
  options: { readonly readFile?: (path: string) => string } = {},
): Promise<FrameChannel> {
  const { ifindex, mac } = arpInterface(ifname, options.readFile);
  const native = await loadNative('ARP (an AF_PACKET socket)');
  const socket = openPacketSocket(native, ETH_P_ARP, 'ARP');
  const to = { family: 'packet', protocol: ETH_P_ARP, ifindex } as const;
  try {
    socket.bind(to);
  } catch (err) {
    socket.close();
    throw toProbeSocketError(err, 'bind');
  }
  // The socket stamps on the hrtime clock in nanoseconds; a FrameChannel speaks
  // performance.now() milliseconds. Both read CLOCK_MONOTONIC, so one offset serves throughout.
  const baseNs = process.hrtime.bigint();
  const basePerf = performance.now();
  const ms = (ns: bigint) => basePerf + Number(ns - baseNs) / 1e6;
  return {
    mac,
    send: (frame) =>
      socket.send(frame, to).then(ms, (err: unknown) => {
        throw toProbeSocketError(err, 'sendto');
      }),
    onFrame: (listener) =>
      socket.onMessage((m) => {
        // Frames that arrived between socket() and bind() may come from other interfaces.
        if (m.from?.family !== 'packet' || m.from.packetType === PACKET_OUTGOING) return;
        if (m.from.ifindex !== ifindex) return;
        listener(m.data, ms(m.receivedAt));
      }),
    close: () => socket.close(),
  };
}
