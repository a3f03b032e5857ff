export { type ArpInterface, arpInterface, openArpChannel } from './arp-channel.js';
export type { SocketErrorCode } from './errors.js';
export {
  PERMISSION_FIX,
  ProbeSocketError,
  pingGroupFix,
  socketErrorText,
  toProbeSocketError,
} from './errors.js';
export { type NetlinkRouteSocket, openNetlinkRoute } from './netlink-route.js';
export { type NetlinkSockDiagSocket, openNetlinkSockDiag } from './netlink-sock-diag.js';
export type { Backend, OpenOptions } from './open.js';
export { openProbeSocket } from './open.js';
export { routeSource } from './route-source.js';
export type {
  IpFamily,
  ProbeProtocol,
  ProbeSocket,
  ReceivedPacket,
  SendOptions,
  SocketSpec,
} from './types.js';
