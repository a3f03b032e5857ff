// The engine and its pure parts.
export { type AgentOptions, Agent, type ReloadResult } from './agent.js';
export { chooseAddress, ipAddrHash, type Lookup } from './blackbox-icmp.js';
export { splitTarget } from './blackbox-dns.js';
export { DELAY_BUCKETS, SMOKEPING_BUCKETS } from './buckets.js';
export {
  ConfigError,
  DEFAULT_GROUP,
  DEFAULT_ICMP_MODULE,
  type DnsModule,
  defaultConfig,
  type IcmpModule,
  type Module,
  type MonitorConfig,
  type Network,
  parseConfig,
  type TargetGroup,
} from './config.js';
export { parseDuration } from './duration.js';
export {
  CONTENT_TYPES,
  ExpositionWriter,
  type ExpositionFormat,
  escapeLabelValue,
  goFloat,
  labelPairs,
  negotiateFormat,
} from './exposition.js';
export { Histogram } from './histogram.js';
export { type DueSend, IcmpEngine } from './icmp-engine.js';
export { writeIcmpMetrics } from './icmp-metrics.js';
export { type EchoOptions, type EchoResult, IcmpMonitor, type IcmpMonitorEvents } from './icmp-monitor.js';
export { type IcmpSockets, openIcmpSockets, type SocketOpener } from './icmp-sockets.js';
export { IcmpTarget, type IcmpTargetSpec, RING, type ReplyVerdict, targetKey } from './icmp-target.js';
export { type IntervalSummary, IntervalReporter, type TargetInterval, worseFirst } from './interval-summary.js';
export { makePayload, payloadSlot } from './payload.js';
export { parsePrefix, type Prefix, prefixContains } from './prefix.js';
export { type ProbeRequest, type ProbeResponse, ProbeHandler } from './probe-handler.js';
export { type ListenAddress, parseListen, type ServerOptions, startServer } from './server.js';
export { icmpTargetSpecs, type ResolveAll, systemResolveAll } from './targets.js';
