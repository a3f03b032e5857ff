// A NETLINK_SOCK_DIAG socket: what ss reads sockets through, for @netdiag/socket-list's
// sockDiagSource.
import { type KernelNetlinkSocket, openNetlink } from './netlink-socket.js';

const NETLINK_SOCK_DIAG = 4;

export type NetlinkSockDiagSocket = KernelNetlinkSocket;

/**
 * Opens a NETLINK_SOCK_DIAG socket in this process's network namespace. Dumping sockets (TCP,
 * UDP, raw, UNIX) needs no privilege: the kernel lists every socket of the namespace to anyone,
 * as /proc/net does. Throws ProbeSocketError where the native addon is unavailable or the kernel
 * refuses the socket (no sock_diag in the kernel: EPROTONOSUPPORT).
 */
export function openNetlinkSockDiag(): Promise<NetlinkSockDiagSocket> {
  return openNetlink(NETLINK_SOCK_DIAG, 'listing sockets over netlink (sock_diag)');
}
