export { type ArpInterface, arpInterface, openArpChannel } from './arp-channel.js';
export {
  type CapturedFrame,
  type CaptureInterface,
  type CaptureSocket,
  type CaptureSocketSpec,
  captureInterface,
  openCaptureSocket,
  type PacketRingStats,
} from './capture-ring.js';
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
export { openPacketSocket } from './packet-socket.js';
export { FilterCompileError, loadPcapCompiler, type PcapCompiler } from './pcap-compiler.js';
export {
  CAPABILITIES,
  type Capability,
  type DropOptions,
  type DropResult,
  dropPrivileges,
  findHelper,
  HELPER_PATHS,
  lookupUser,
  PROCESS_OWNER_CAPABILITIES,
  PrivilegeError,
  type PrivilegeReport,
  parseStatus,
  privilegeReport,
  type ThreadPrivileges,
  threadPrivileges,
} from './privilege.js';
export { routeSource } from './route-source.js';
export type {
  IpFamily,
  ProbeProtocol,
  ProbeSocket,
  ReceivedPacket,
  SendOptions,
  SocketSpec,
} from './types.js';
