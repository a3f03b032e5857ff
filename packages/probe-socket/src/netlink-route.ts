// A NETLINK_ROUTE socket connected to the kernel, in the two-method shape the rtnetlink readers
// of @netdiag/interface-stats and @netdiag/arp take (netlinkAddressSource, netlinkNeighbourSource).
import type { NetlinkSocket } from '@netdiag/interface-stats';
import type { NativeSocket } from '@netdiag/native-socket';
import { toProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';

const NETLINK_ROUTE = 0;

export interface NetlinkRouteSocket extends NetlinkSocket {
  /** Lets the process exit while the socket is open. */
  unref(): void;
  close(): void;
}

/**
 * Opens a NETLINK_ROUTE socket in this process's network namespace. Dumps (addresses,
 * neighbours, links) need no privilege. Throws ProbeSocketError where the native addon is
 * unavailable (the message says why and how to build it) or the kernel refuses the socket.
 */
export async function openNetlinkRoute(): Promise<NetlinkRouteSocket> {
  const native = await loadNative('reading the kernel over netlink');
  let socket: NativeSocket;
  try {
    // A dump's datagrams are at most 32 KiB (the kernel sizes them to the reader's buffer, and
    // the addon reads up to 64 KiB), and the kernel makes the next one only once this is read.
    socket = native.open({ domain: 'netlink', type: 'raw', protocol: NETLINK_ROUTE });
  } catch (err) {
    throw toProbeSocketError(err, 'socket');
  }
  try {
    socket.connect({ family: 'netlink', portId: 0, groups: 0 });
  } catch (err) {
    socket.close();
    throw toProbeSocketError(err, 'bind');
  }
  return {
    send: (message) =>
      socket.send(message).catch((err: unknown) => {
        throw toProbeSocketError(err, 'sendto');
      }),
    onMessage: (listener) => socket.onMessage((m) => listener(m.data)),
    unref: () => socket.unref(),
    close: () => socket.close(),
  };
}
