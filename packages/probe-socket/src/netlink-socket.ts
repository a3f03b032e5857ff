// A netlink socket connected to the kernel, in the two-method shape of @netdiag/interface-stats'
// NetlinkSocket (send a request, hear every datagram), which netlinkDump frames. One opener
// serves every netlink family netdiag reads: rtnetlink and sock_diag differ only in the protocol.
import type { NetlinkSocket } from '@netdiag/interface-stats';
import type { NativeSocket } from '@netdiag/native-socket';
import { toProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';

export interface KernelNetlinkSocket extends NetlinkSocket {
  /** Lets the process exit while the socket is open. */
  unref(): void;
  close(): void;
}

/**
 * Opens a netlink socket of `protocol` in this process's network namespace. Throws
 * ProbeSocketError where the native addon is unavailable (the message says why and how to build
 * it, naming `what` needed it) or the kernel refuses the socket.
 */
export async function openNetlink(protocol: number, what: string): Promise<KernelNetlinkSocket> {
  const native = await loadNative(what);
  let socket: NativeSocket;
  try {
    // The kernel sizes a dump's datagrams to the reader's buffer, at most 32 KiB, and makes the
    // next one only once this is read; the addon's 64 KiB default leaves room, and only what
    // arrives is copied.
    socket = native.open({ domain: 'netlink', type: 'raw', protocol });
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
