export type { ByteOrder } from './address.js';
export { formatIpv4Word, formatIpv6Groups } from './address.js';
export { type ParseIssue, SocketListError, type SocketListErrorCode } from './errors.js';
export {
  type AddressPattern,
  type FilterExpression,
  type PortComparison,
  SERVICE_PORTS,
  type SocketFilter,
  compileFilter,
  isListening,
  parseAddressPattern,
  parseFilter,
  tokenizeFilter,
} from './filter.js';
export { type SocketDiff, diffSockets, socketKey } from './identity.js';
export {
  type CounterReading,
  type ListSocketsOptions,
  type ReadOptions,
  type RouteListing,
  type SocketListing,
  listSockets,
  nodeProcFs,
  readCounters,
  readRoutes,
} from './list.js';
export {
  type ParsedCounters,
  type ProtocolCounters,
  counterDelta,
  mergeCounters,
  parseSnmp6,
  parseSnmpPairs,
} from './parse-counters.js';
export { type InetTableOptions, type ParsedTable, parseInetTable } from './parse-inet.js';
export { type Route, RouteFlag, type RouteType, parseIpv4Routes, parseIpv6Routes } from './parse-routes.js';
export { parseUnixTable } from './parse-unix.js';
export { type ProcFs, type SocketOwners, scanSocketOwners } from './process-map.js';
export { type ProcNetOptions, type SocketQuery, type SocketSource, type SourceResult, procNetSource } from './source.js';
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
