export { DnsError, type DnsErrorCode } from './errors.js';
export { escapeControl, escapeLabel, escapeName, quoteCharacterString } from './escape.js';
export {
  canonicalName,
  DEFAULT_EDNS,
  type DnsMessage,
  decodeMessage,
  type EdnsInfo,
  type EdnsOptions,
  encodeQuery,
  type HeaderFlags,
  matchResponse,
  type QueryMessage,
  type Question,
  randomId,
} from './message.js';
export {
  type DnsResponse,
  parseType,
  type QueryOptions,
  query,
  serverAddress,
  type TransportName,
} from './query.js';
export { RECORD_TYPES, type RecordTypeName, rcodeName, typeCode, typeName } from './record-types.js';
export {
  type DnsRecord,
  decodeTypeBitmap,
  type RecordData,
  type RecordOf,
  rdataText,
  recordText,
  recordTypeName,
} from './records.js';
export {
  loadResolvConf,
  parseResolvConf,
  RESOLV_CONF_DEFAULTS,
  type ResolvConf,
  searchCandidates,
} from './resolv-conf.js';
export {
  answerRecords,
  type CallOptions,
  cacheTtl,
  type Resolved,
  Resolver,
  type ResolverOptions,
  resolve,
} from './resolver.js';
export { reverseName } from './reverse.js';
export { decodeSvcb, encodeSvcb, presentSvcb, type SvcbData, type SvcParam, svcKeyName } from './svcb.js';
export { type NameServer, ROOT_HINTS, type TraceOptions, type TraceStep, trace } from './trace.js';
export { FrameReader, frame } from './transport/frames.js';
export type { HttpsOptions } from './transport/https.js';
export { type KeptConnections, keptConnections } from './transport/kept-connections.js';
export type { TlsOptions } from './transport/stream.js';
export type { ServerAddress, StreamCarrier } from './transport/types.js';
