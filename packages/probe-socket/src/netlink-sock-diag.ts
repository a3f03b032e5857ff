// A NETLINK_SOCK_DIAG socket connected to the kernel: what ss reads sockets through. It has the
// two-method shape of @netdiag/interface-stats' NetlinkSocket, so netlinkDump frames its dumps,
// and @netdiag/socket-list's sockDiagSource decodes them.
import type { NetlinkSocket } from '@netdiag/interface-stats';
import type { NativeSocket } from '@netdiag/native-socket';
import { toProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';

const NETLINK_SOCK_DIAG = 4;

export interface NetlinkSockDiagSocket extends NetlinkSocket {
  /** Lets the process exit while the socket is open. */
  unref(): void;
  close(): void;
}

/**
 * Opens a NETLINK_SOCK_DIAG socket in this process's network namespace. Dumping sockets (TCP,
 * UDP, raw, UNIX) needs no privilege: the kernel lists every socket of the namespace to anyone,
 * as /proc/net does. Throws ProbeSocketError where the native addon is unavailable (the message
 * says why and how to build it) or the kernel refuses the socket (no sock_diag in the kernel:
 * EPROTONOSUPPORT).
 */
export async function openNetlinkSockDiag(): Promise<NetlinkSockDiagSocket> {
  const native = await loadNative('listing sockets over netlink (sock_diag)');
  let socket: NativeSocket;
  try {
    // The kernel sizes a dump's datagrams to the reader's buffer, at most 32 KiB (about 370 TCP
    // sockets each); the addon's 64 KiB default leaves room should a kernel send more, and only
    // what arrives is copied.
    socket = native.open({ domain: 'netlink', type: 'raw', protocol: NETLINK_SOCK_DIAG });
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
