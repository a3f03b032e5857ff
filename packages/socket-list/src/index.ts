export type { ByteOrder } from './address.js';
export { formatIpv4Word, formatIpv6Groups } from './address.js';
export { AddressTable } from './address-table.js';
export { type ParseIssue, SocketListError, type SocketListErrorCode } from './errors.js';
export {
  type AddressPattern,
  compileFilter,
  type FilterExpression,
  isListening,
  type PortComparison,
  parseAddressPattern,
  parseFilter,
  SERVICE_PORTS,
  type SocketFilter,
  tokenizeFilter,
} from './filter.js';
export { diffSockets, type SocketDiff, socketKey } from './identity.js';
export { INET_PROTOCOLS, InetColumns } from './inet-columns.js';
export { inetState } from './inet-record.js';
export {
  type CounterReading,
  type ListSocketsOptions,
  listSockets,
  nodeProcFs,
  type ReadOptions,
  type RouteListing,
  readCounters,
  readRoutes,
  type SocketListing,
} from './list.js';
export {
  counterDelta,
  mergeCounters,
  type ParsedCounters,
  type ProtocolCounters,
  parseSnmp6,
  parseSnmpPairs,
} from './parse-counters.js';
export { type InetTableOptions, type ParsedTable, parseInetTable } from './parse-inet.js';
export { parseIpv4Routes, parseIpv6Routes, type Route, RouteFlag, type RouteType } from './parse-routes.js';
export { parseUnixTable } from './parse-unix.js';
export { type ProcFs, type SocketOwners, scanSocketOwners } from './process-map.js';
export {
  AddressCache,
  type DatagramEnd,
  decodeInetDiagColumns,
  decodeInetDiagMessage,
  encodeInetDiagRequest,
  encodeSockDiagDump,
  encodeTcpDiagDump,
  readSockDiagColumns,
  readSockDiagDatagram,
  SOCK_DIAG_BY_FAMILY,
  type SockDiagProtocol,
  TCPDIAG_GETSOCK,
  walkSockDiagDatagram,
} from './sock-diag.js';
export { type SockDiagOptions, type SockDiagSocket, sockDiagSource } from './sock-diag-source.js';
export {
  type ColumnsResult,
  type ProcNetOptions,
  procNetSource,
  type SocketQuery,
  type SocketSource,
  type SourceResult,
} from './source.js';
export {
  type Family,
  type InetProtocol,
  type InetSocket,
  type InetState,
  type SocketOwner,
  type SocketProtocol,
  type SocketRecord,
  type SocketTimer,
  TCP_STATES,
  type TcpState,
  type TimerKind,
  type UnixSocket,
  type UnixSocketType,
  type UnixState,
} from './types.js';
