export { effectiveFlags, flagNames, Iff } from './flags.js';
export { formatIpv6, type IfInet6Entry, IfInet6ParseError, parseIfInet6 } from './if-inet6.js';
export { comparableFromInterface, comparableFromIpJson, type IpComparable } from './ip-json.js';
export { linkTypeName } from './link-type.js';
export {
  attributeString,
  attributeU32,
  concatBytes,
  decodeAttributes,
  decodeIpAttribute,
  decodeNetlinkError,
  decodeNetlinkMessages,
  encodeAttribute,
  encodeNetlinkMessage,
  NetlinkDecodeError,
  NetlinkError,
  type NetlinkMessage,
  type NetlinkSocket,
  NlMsgType,
  NlmFlags,
  netlinkDump,
  netlinkDumpDecoded,
  nlmsgHeaderLength,
  RtFamily,
} from './netlink.js';
export { recordedNetlinkSocket } from './netlink-replay.js';
export { ipv4FromNodeInterfaces, type NodeInterfaceTable, nodeInterfacesCover } from './node-interfaces.js';
export { ProcNetDevParseError, parseProcNetDev } from './proc-net-dev.js';
export {
  type CounterDeltas,
  type CounterName,
  type CounterSnapshot,
  type CounterWidth,
  computeRates,
  counterDelta,
  type InterfaceRate,
  type Rates,
} from './rates.js';
export {
  type AddressSource,
  procAddressSource,
  type ReadOptions,
  readCounterSnapshot,
  readCounters,
  readInterfaces,
  readLinks,
} from './read.js';
export { RingBuffer } from './ring-buffer.js';
export {
  decodeRtmAddr,
  dumpAddresses,
  getAddrRequest,
  type NetlinkAddress,
  netlinkAddressSource,
  RtmType,
} from './rtm-addr.js';
export { decodeRtmLinkName, dumpLinkNames, getLinkRequest, RtmLink } from './rtm-link.js';
export { InterfaceSampler, type RatePoint, type SamplerOptions } from './sampler.js';
export { parseSysfsLink, type SysfsLinkContents, SysfsParseError, sysfsLinkFiles } from './sysfs-link.js';
export { nodeSystem, type SystemFiles } from './system.js';
export {
  type AddressScope,
  type Counters,
  counterNames,
  type Duplex,
  type Interface,
  type InterfaceAddress,
  type Ipv4Address,
  type Ipv4AddressFlag,
  type Ipv6Address,
  type Ipv6AddressFlag,
  type Link,
  type OperState,
} from './types.js';
