export { type DnsErrorCode, DnsError } from './errors.js';
export { escapeControl, escapeLabel, escapeName, quoteCharacterString } from './escape.js';
export {
  type DnsMessage,
  type EdnsInfo,
  type EdnsOptions,
  type HeaderFlags,
  type Question,
  type QueryMessage,
  DEFAULT_EDNS,
  canonicalName,
  decodeMessage,
  encodeQuery,
  matchResponse,
  randomId,
} from './message.js';
export { type RecordTypeName, RECORD_TYPES, rcodeName, typeCode, typeName } from './record-types.js';
export { type DnsRecord, type RecordData, type RecordOf, decodeTypeBitmap, rdataText, recordText, recordTypeName } from './records.js';
export { type ResolvConf, RESOLV_CONF_DEFAULTS, loadResolvConf, parseResolvConf, searchCandidates } from './resolv-conf.js';
export { type CallOptions, type Resolved, type ResolverOptions, Resolver, answerRecords, cacheTtl, resolve } from './resolver.js';
export { type DnsResponse, type QueryOptions, type TransportName, parseType, query, serverAddress } from './query.js';
export { reverseName } from './reverse.js';
export { type SvcParam, type SvcbData, decodeSvcb, encodeSvcb, presentSvcb, svcKeyName } from './svcb.js';
export { type NameServer, type TraceOptions, type TraceStep, ROOT_HINTS, trace } from './trace.js';
export { FrameReader, frame } from './transport/frames.js';
export type { HttpsOptions } from './transport/https.js';
export type { TlsOptions } from './transport/stream.js';
export type { ServerAddress } from './transport/types.js';
