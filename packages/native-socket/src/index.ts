export { nativeAvailability } from './addon.js';
/** Kernel constants read from the C headers by the addon (throws NativeUnavailableError without it). */
export { constants } from './constants.js';
export { NativeUnavailableError, SocketError } from './errors.js';
export {
  type ErrorOrigin,
  type ErrorQueueEntry,
  errnoName,
  type Message,
  NativeSocket,
  type OpenSpec,
  open,
  routeSource,
  type SendOptions,
  type SocketDomain,
  type SocketType,
} from './native-socket.js';
export {
  type CapturedFrame,
  openPacketRing,
  PacketRing,
  type PacketRingSpec,
  type PacketRingStats,
  parseBatch,
} from './packet-ring.js';
export {
  type CompileOptions,
  FilterSyntaxError,
  LibpcapUnavailableError,
  pcapCompile,
  pcapFilter,
  pcapImage,
  pcapVersion,
  SavefileOpenError,
} from './pcap-filter.js';
export {
  type Credentials,
  checkThreadPrivileges,
  dropThreadPrivileges,
  helperDescriptor,
} from './privilege.js';
export {
  AddressFamily,
  decodeSockaddr,
  encodeSockaddr,
  type Inet6Address,
  type InetAddress,
  ipBytes,
  type NetlinkAddress,
  type PacketAddress,
  type SocketAddress,
} from './sockaddr.js';
