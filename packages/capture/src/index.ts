// The public face of @netdiag/capture: capture, decoding, tcpdump's lines, pcap and pcapng files.

export { type DecodeOptions, decode } from './decode/decode.js';
export { layerJson, packetJson } from './decode/json.js';
export type {
  ArpLayer,
  DecodedPacket,
  DnsLayer,
  EthernetLayer,
  IcmpLayer,
  Ipv4Layer,
  Ipv4Option,
  Ipv6Extension,
  Ipv6Layer,
  Layer,
  SllLayer,
  TcpLayer,
  TcpOption,
  UdpLayer,
  VlanTag,
} from './decode/layers.js';
export {
  type BpfInstruction,
  type BpfProgram,
  decodeProgram,
  encodeProgram,
  jumpsBackward,
  runBpf,
} from './filter/bpf.js';
export { errorToken, tokenize } from './filter/error-position.js';
export {
  type CompiledFilter,
  type CompileFilterOptions,
  compileFilter,
  DEFAULT_SNAPLEN,
  FilterError,
  pcapCompiler,
} from './filter/filter.js';
export { kernelProgram } from './filter/kernel-program.js';
export {
  type Capture,
  type CaptureOpened,
  type CaptureOptions,
  type CaptureStats,
  capture,
  type Direction,
  formatStats,
  type LivePacket,
} from './live/capture.js';
export { defaultInterface, interfaceNames, listInterfaces } from './live/default-interface.js';
export { isDecodedLinkType, LinkType, linkTypeName } from './pcap/link-type.js';
export type { CapturedPacket } from './pcap/packet.js';
export {
  CaptureFileError,
  type CaptureFileInfo,
  CaptureStreamReader,
  captureFormat,
  readCapture,
} from './pcap/read.js';
export { CaptureFileWriter, type CaptureWriterOptions } from './pcap/write.js';
export type { PrintOptions } from './print/options.js';
export { type PrintFileResult, printFile } from './print/print-file.js';
export { PacketPrinter } from './print/printer.js';
