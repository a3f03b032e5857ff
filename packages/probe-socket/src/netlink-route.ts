// A NETLINK_ROUTE socket, for the rtnetlink readers of @netdiag/interface-stats and @netdiag/arp
// (netlinkAddressSource, netlinkNeighbourSource).
import { type KernelNetlinkSocket, openNetlink } from './netlink-socket.js';

const NETLINK_ROUTE = 0;

export type NetlinkRouteSocket = KernelNetlinkSocket;

/**
 * Opens a NETLINK_ROUTE socket in this process's network namespace. Dumps (addresses,
 * neighbours, links) need no privilege. Throws ProbeSocketError where the native addon is
 * unavailable or the kernel refuses the socket.
 */
export function openNetlinkRoute(): Promise<NetlinkRouteSocket> {
  return openNetlink(NETLINK_ROUTE, 'reading the kernel over netlink');
}
