export {
  type ArpDecodeError,
  type ArpDecodeErrorCode,
  ArpEncodeError,
  type ArpFrame,
  ArpOperation,
  type ArpPacket,
  arpPayloadLength,
  type Decoded,
  dadProbe,
  decodeArpFrame,
  decodeArpPacket,
  EtherType,
  encodeArpFrame,
  encodingLength,
  ethernetHeaderLength,
  minimumFrameLength,
  whoHas,
} from './arp-packet.js';
export { type Clock, type FrameChannel, systemClock } from './frame-channel.js';
export { formatIpv4, parseIpv4 } from './ipv4.js';
export { broadcastMac, formatMac, parseMac, zeroMac } from './mac.js';
export { coarseState, type Neighbour, type NeighbourState, type NudState } from './neighbour.js';
export { loadOuiTable, lookupVendor, type OuiTable, type VendorAnswer } from './oui.js';
export { type RunOptions, runProbe, runScan } from './probe.js';
export {
  createProbe,
  type ProbeAction,
  type ProbeConfig,
  type ProbeEvent,
  type ProbeState,
  type ProbeSummary,
  stepProbe,
} from './probe-session.js';
export { ProcNetArpParseError, parseProcNetArp } from './proc-net-arp.js';
export {
  ipv6NeighboursMissing,
  type NeighbourSource,
  type NeighbourTable,
  procNeighbourSource,
  readNeighbours,
} from './read.js';
export {
  decodeRtmNeigh,
  getNeighRequest,
  type NetlinkNeighbour,
  netlinkNeighbourSource,
  RtmNeigh,
} from './rtm-neigh.js';
export {
  type InterfaceSubnets,
  largestUnforcedPrefix,
  planScan,
  type ScanPlan,
  type ScanPlanError,
} from './scan-plan.js';
export {
  type ScanAction,
  type ScanConfig,
  type ScanEvent,
  type ScanHost,
  ScanSession,
  type ScanSummary,
} from './scan-session.js';
