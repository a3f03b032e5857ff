// The engine and its pure parts.
export { Agent, type AgentOptions, type ReloadResult } from './agent.js';
export { splitTarget } from './blackbox-dns.js';
export { chooseAddress, ipAddrHash, type Lookup } from './blackbox-icmp.js';
export { DELAY_BUCKETS, SMOKEPING_BUCKETS } from './buckets.js';
export {
  ConfigError,
  DEFAULT_GROUP,
  DEFAULT_ICMP_MODULE,
  type DnsGroup,
  type DnsModule,
  defaultConfig,
  type IcmpModule,
  type Module,
  type MonitorConfig,
  type Network,
  parseConfig,
  type TargetGroup,
  type TcpGroup,
  type TraceGroup,
} from './config.js';
export { writeDnsMetrics } from './dns-metrics.js';
export { type DnsFailure, DnsTarget, type DnsTargetSpec, dnsKey } from './dns-target.js';
export { parseDuration } from './duration.js';
export {
  CONTENT_TYPES,
  type ExpositionFormat,
  ExpositionWriter,
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
export { IcmpTarget, type IcmpTargetSpec, type ReplyVerdict, RING, targetKey } from './icmp-target.js';
export {
  IntervalReporter,
  type IntervalSummary,
  type TargetInterval,
  worseFirst,
} from './interval-summary.js';
export { type HopCounters, KNOWN_ROUNDS, PathTracker, WARMUP_ROUNDS } from './path-tracker.js';
export { makePayload, payloadSlot } from './payload.js';
export { type Prefix, parsePrefix, prefixContains } from './prefix.js';
export { ProbeHandler, type ProbeRequest, type ProbeResponse } from './probe-handler.js';
export { type ListenAddress, parseListen, type ServerOptions, startServer } from './server.js';
export {
  dnsResolveAll,
  dnsTargetSpecs,
  type IcmpTargetPlan,
  icmpTargetPlan,
  icmpTargetSpecs,
  lookupResolveAll,
  type ResolveAll,
  type ResolvedAddress,
  systemResolveAll,
  traceTargetSpecs,
} from './targets.js';
export { writeTcpMetrics } from './tcp-metrics.js';
export { type TcpFailure, TcpTarget, type TcpTargetSpec, tcpKey } from './tcp-target.js';
export { writeTraceMetrics } from './trace-metrics.js';
export { TraceTarget, type TraceTargetSpec, traceKey } from './trace-monitor.js';
