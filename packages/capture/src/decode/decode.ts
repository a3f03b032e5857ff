import { formatIpv6 } from '@netdiag/address';
import { decodeArpPacket } from '@netdiag/arp';
import { decodeMessage } from '@netdiag/dns-client';
import { formatIpv4, type Ipv6Header, ipv4 } from '@netdiag/icmp';
import { LinkType } from '../pcap/link-type.js';
import { hexColons, macText, u16, u32 } from './bytes.js';
import type {
  ArpLayer,
  DecodedPacket,
  EthernetLayer,
  Ipv4Option,
  Ipv6Extension,
  Layer,
  TcpLayer,
  TcpOption,
  VlanTag,
} from './layers.js';

export interface DecodeOptions {
  /** Decode DNS messages into `message` (default true; the line printer reads the bytes itself and turns it off). */
  readonly dnsMessages?: boolean;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);

/** The dissection state one packet threads through its layers. */
class Dissection {
  readonly layers: Layer[] = [];
  truncated: string | undefined;
  constructor(
    readonly bytes: Uint8Array,
    readonly options: DecodeOptions,
  ) {}
}

/**
 * Decodes one frame of the given link type into its layers. Pure, and it never throws: what
 * runs past the captured bytes ends the layers and is named in `truncated`.
 */
export function decode(data: Uint8Array, linkType: number, options: DecodeOptions = {}): DecodedPacket {
  const d = new Dissection(data, options);
  try {
    decodeLink(d, linkType);
  } catch (err) {
    // A codec we reuse threw on bytes our own checks let through: treat it as truncation there.
    d.truncated ??=
      err instanceof Error && 'layer' in err ? String((err as { layer: unknown }).layer) : 'packet';
  }
  return d.truncated === undefined
    ? { linkType, layers: d.layers }
    : { linkType, layers: d.layers, truncated: d.truncated };
}

function decodeLink(d: Dissection, linkType: number): void {
  const b = d.bytes;
  switch (linkType) {
    case LinkType.ETHERNET: {
      if (b.length < 14) {
        d.truncated = 'ether';
        return;
      }
      const firstType = u16(b, 12);
      let at = 14;
      let type = firstType;
      const vlans: VlanTag[] = [];
      while (VLAN_TPIDS.has(type)) {
        if (b.length < at + 4) {
          d.layers.push(ether(b, firstType, type, vlans, at));
          d.truncated = 'vlan';
          return;
        }
        const tci = u16(b, at);
        vlans.push({ tpid: type, priority: tci >> 13, dei: (tci & 0x1000) !== 0, id: tci & 0x0fff });
        type = u16(b, at + 2);
        at += 4;
      }
      d.layers.push(ether(b, firstType, type, vlans, at));
      decodeEtherType(d, type, at);
      return;
    }
    case LinkType.LINUX_SLL: {
      if (b.length < 16) {
        d.truncated = 'sll';
        return;
      }
      const addressLength = Math.min(u16(b, 4), 8);
      const etherType = u16(b, 14);
      d.layers.push({
        protocol: 'sll',
        offset: 0,
        headerLength: 16,
        packetType: u16(b, 0),
        hardwareType: u16(b, 2),
        address: b.slice(6, 6 + addressLength),
        etherType,
      });
      decodeEtherType(d, etherType, 16);
      return;
    }
    case LinkType.LINUX_SLL2: {
      if (b.length < 20) {
        d.truncated = 'sll2';
        return;
      }
      const etherType = u16(b, 0);
      const addressLength = Math.min(b[11]!, 8);
      d.layers.push({
        protocol: 'sll2',
        offset: 0,
        headerLength: 20,
        etherType,
        interfaceIndex: u32(b, 4),
        hardwareType: u16(b, 8),
        packetType: b[10]!,
        address: b.slice(12, 12 + addressLength),
      });
      decodeEtherType(d, etherType, 20);
      return;
    }
    case LinkType.RAW:
    case 12:
    case 14: {
      const version = b.length ? b[0]! >> 4 : 0;
      if (version === 4) {
        decodeIpv4(d, 0);
        return;
      }
      if (version === 6) {
        decodeIpv6(d, 0);
        return;
      }
      if (!b.length) d.truncated = 'raw';
      return;
    }
    case LinkType.IPV4:
      decodeIpv4(d, 0);
      return;
    case LinkType.IPV6:
      decodeIpv6(d, 0);
      return;
    default:
      return;
  }
}

/**
 * The Ethernet layer, its address texts made when first read: tcpdump's lines show them only with
 * -e, and a file of 200,000 frames would otherwise build 400,000 strings nobody prints.
 */
class Ethernet implements EthernetLayer {
  readonly protocol = 'ethernet' as const;
  readonly offset = 0;
  private src: string | undefined;
  private dst: string | undefined;
  constructor(
    private readonly bytes: Uint8Array,
    readonly headerLength: number,
    readonly firstType: number,
    readonly etherType: number,
    readonly vlans: readonly VlanTag[],
  ) {}
  get source(): string {
    this.src ??= macText(this.bytes, 6);
    return this.src;
  }
  get destination(): string {
    this.dst ??= macText(this.bytes, 0);
    return this.dst;
  }
  toJSON(): EthernetLayer {
    const { protocol, offset, headerLength, source, destination, firstType, etherType, vlans } = this;
    return { protocol, offset, headerLength, source, destination, firstType, etherType, vlans };
  }
}

const NO_TAGS: readonly VlanTag[] = [];
const NO_OPTIONS: readonly Ipv4Option[] = [];

function ether(b: Uint8Array, firstType: number, etherType: number, vlans: VlanTag[], end: number): Layer {
  return new Ethernet(b, end, firstType, etherType, vlans.length ? vlans : NO_TAGS);
}

function decodeEtherType(d: Dissection, type: number, at: number): void {
  if (type === ETHERTYPE_IPV4) {
    decodeIpv4(d, at);
    return;
  }
  if (type === ETHERTYPE_IPV6) {
    decodeIpv6(d, at);
    return;
  }
  if (type === ETHERTYPE_ARP) {
    decodeArp(d, at);
    return;
  }
}

function decodeArp(d: Dissection, at: number): void {
  const b = d.bytes;
  if (b.length - at < 8) {
    d.truncated = 'arp';
    return;
  }
  const hardwareType = u16(b, at);
  const protocolType = u16(b, at + 2);
  const hardwareLength = b[at + 4]!;
  const protocolLength = b[at + 5]!;
  const operation = u16(b, at + 6);
  const headerLength = 8 + 2 * (hardwareLength + protocolLength);
  if (b.length - at < headerLength) {
    d.truncated = 'arp';
    return;
  }
  // Ethernet/IPv4, the ARP everyone meets: the arp package's codec; anything else as hex.
  const common = decodeArpPacket(b, at);
  const addresses = common.ok
    ? {
        senderHardware: common.value.senderMac,
        senderProtocol: common.value.senderIp,
        targetHardware: common.value.targetMac,
        targetProtocol: common.value.targetIp,
      }
    : {
        senderHardware: hexColons(b, at + 8, hardwareLength),
        senderProtocol: protocolText(b, at + 8 + hardwareLength, protocolLength, protocolType),
        targetHardware: hexColons(b, at + 8 + hardwareLength + protocolLength, hardwareLength),
        targetProtocol: protocolText(
          b,
          at + 8 + 2 * hardwareLength + protocolLength,
          protocolLength,
          protocolType,
        ),
      };
  const layer: ArpLayer = {
    protocol: 'arp',
    offset: at,
    headerLength,
    hardwareType,
    protocolType,
    hardwareLength,
    protocolLength,
    operation,
    ...addresses,
  };
  d.layers.push(layer);
}

function protocolText(b: Uint8Array, at: number, length: number, type: number): string {
  return type === ETHERTYPE_IPV4 && length === 4 ? formatIpv4(b, at) : hexColons(b, at, length);
}

function decodeIpv4(d: Dissection, at: number, quoted = false): void {
  const b = d.bytes;
  if (b.length - at < 20 || b[at]! >> 4 !== 4 || (b[at]! & 0x0f) < 5) {
    d.truncated = 'ip';
    return;
  }
  const headerLength = (b[at]! & 0x0f) * 4;
  if (b.length - at < headerLength) {
    // The fixed header arrived, its options did not: decode those 20 bytes alone.
    const fixed = b.slice(at, at + 20);
    fixed[0] = 0x45;
    const header = { ...ipv4.decode(fixed, 0).value, headerLength };
    d.layers.push({
      protocol: 'ipv4',
      offset: at,
      headerLength,
      header,
      options: ipv4Options(b, at + 20, b.length, true),
      payloadLength: 0,
      partial: true,
    });
    d.truncated = 'ip';
    return;
  }
  const header = ipv4.decode(b, at).value;
  const options = ipv4Options(b, at + 20, at + header.headerLength, false);
  const payloadLength = Math.max(0, header.totalLength - header.headerLength);
  d.layers.push({
    protocol: 'ipv4',
    offset: at,
    headerLength: header.headerLength,
    header,
    options,
    payloadLength,
  });
  if (header.fragmentOffset !== 0) return;
  const end = quoted ? b.length : Math.min(b.length, at + Math.max(header.totalLength, header.headerLength));
  decodeTransport(d, header.protocol, at + header.headerLength, end, payloadLength, 4, quoted);
}

const IPV6_EXTENSIONS = new Set([0, 43, 44, 60, 51, 135, 139, 140]);
/** tcpdump's protocol names in truncation marks. */
const EXTENSION_NAMES: Record<number, string> = {
  0: 'hbhopt',
  60: 'dstopt',
  43: 'rthdr',
  44: 'frag6',
  51: 'ah',
  135: 'mobility',
};

/** IPv4 options between `start` and `end`; `cut`: the capture ended there, inside the header. */
function ipv4Options(b: Uint8Array, start: number, end: number, cut: boolean): readonly Ipv4Option[] {
  if (start >= end) return NO_OPTIONS;
  const options: Ipv4Option[] = [];
  for (let o = start; o < end; ) {
    const type = b[o]!;
    if (type === 0 || type === 1) {
      options.push({ type, data: new Uint8Array(0) });
      o += 1;
      if (type === 0) break;
      continue;
    }
    const len = b[o + 1] ?? 0;
    if (cut && (o + 1 >= end || o + len > end)) {
      options.push({ type, data: b.slice(o + 2, end), cut: true });
      break;
    }
    if (len < 2 || o + len > end) {
      options.push({ type, data: b.slice(o + 1, end) });
      break;
    }
    options.push({ type, data: b.slice(o + 2, o + len) });
    o += len;
  }
  return options;
}

function decodeIpv6(d: Dissection, at: number, quoted = false): void {
  const b = d.bytes;
  // A quoted datagram is read for its ports whatever its version nibble says (as tcpdump does).
  if (b.length - at < 40 || (b[at]! >> 4 !== 6 && !quoted)) {
    d.truncated = 'ip6';
    return;
  }
  // The fields as @netdiag/icmp's ipv6 codec reads them, read here so that a quoted header
  // decodes the same way; the addresses as tcpdump writes them (@netdiag/address).
  const word0 = u32(b, at);
  const header: Ipv6Header = {
    version: 6,
    trafficClass: (word0 >>> 20) & 0xff,
    flowLabel: word0 & 0xfffff,
    payloadLength: u16(b, at + 4),
    nextHeader: b[at + 6]!,
    hopLimit: b[at + 7]!,
    source: formatIpv6(b, at + 8),
    destination: formatIpv6(b, at + 24),
  };
  const extensions: Ipv6Extension[] = [];
  let next = header.nextHeader;
  let o = at + 40;
  let fragmented = false;
  while (IPV6_EXTENSIONS.has(next)) {
    if (next === 44 && b.length - o >= 4 && b.length - o < 8) {
      // Offset and M flag without the identification: what tcpdump needs for its short form.
      const fo = u16(b, o + 2);
      extensions.push({
        type: 44,
        offset: o,
        length: 8,
        nextHeader: b[o]!,
        fragment: { offset: fo & 0xfff8, more: (fo & 1) === 1, identification: -1 },
      });
      d.layers.push({
        protocol: 'ipv6',
        offset: at,
        headerLength: o + 8 - at,
        header,
        extensions,
        nextHeader: b[o]!,
        payloadLength: 0,
      });
      d.truncated = 'frag6';
      return;
    }
    if (
      b.length - o < 8 ||
      (next !== 44 && b.length - o < (next === 51 ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8))
    ) {
      d.layers.push({
        protocol: 'ipv6',
        offset: at,
        headerLength: o - at,
        header,
        extensions,
        nextHeader: next,
        payloadLength: 0,
      });
      d.truncated = EXTENSION_NAMES[next] ?? 'ip6';
      return;
    }
    const nextHeader = b[o]!;
    const length = next === 44 ? 8 : next === 51 ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8;
    if (next === 44) {
      const fo = u16(b, o + 2);
      const fragment = { offset: fo & 0xfff8, more: (fo & 1) === 1, identification: u32(b, o + 4) };
      extensions.push({ type: next, offset: o, length, nextHeader, fragment });
      if (fragment.offset !== 0) fragmented = true;
    } else extensions.push({ type: next, offset: o, length, nextHeader });
    o += length;
    next = nextHeader;
  }
  const payloadLength = Math.max(0, header.payloadLength - (o - at - 40));
  d.layers.push({
    protocol: 'ipv6',
    offset: at,
    headerLength: o - at,
    header,
    extensions,
    nextHeader: next,
    payloadLength,
  });
  if (o > b.length) {
    d.truncated = 'ip6';
    return;
  }
  if (fragmented) return;
  const end = quoted ? b.length : Math.min(b.length, at + 40 + header.payloadLength);
  decodeTransport(d, next, o, end, payloadLength, 6, quoted);
}

function decodeTransport(
  d: Dissection,
  protocol: number,
  at: number,
  end: number,
  length: number,
  family: 4 | 6,
  quoted: boolean,
): void {
  const b = d.bytes;
  if (protocol === 17) {
    if (end - at < 8) {
      // Ports but no length: the layer says so with length -1 (tcpdump prints the ports, then [|udp]).
      if (!quoted) d.truncated = 'udp';
      if (end - at >= 4)
        d.layers.push({
          protocol: 'udp',
          offset: at,
          headerLength: 8,
          sourcePort: u16(b, at),
          destinationPort: u16(b, at + 2),
          length: -1,
          checksum: 0,
        });
      return;
    }
    const udpLength = u16(b, at + 4);
    const sourcePort = u16(b, at);
    const destinationPort = u16(b, at + 2);
    d.layers.push({
      protocol: 'udp',
      offset: at,
      headerLength: 8,
      sourcePort,
      destinationPort,
      length: udpLength,
      checksum: u16(b, at + 6),
    });
    if (!quoted && (sourcePort === 53 || destinationPort === 53) && udpLength > 8)
      decodeDns(d, 'udp', at + 8, Math.min(end, at + udpLength));
    return;
  }
  if (protocol === 6) {
    if (end - at < 20) {
      // Ports (and a quoted sequence number) without the rest: tcpdump prints the ports, then [|tcp].
      if (end - at >= 4)
        d.layers.push({
          ...tcpHeader(b, at, 20, [], 0, end - at >= 8 ? u32(b, at + 4) : 0, 0, 0, 0, 0),
          partial: 'ports',
        } as TcpLayer);
      if (!quoted || end - at < 8) d.truncated = 'tcp';
      return;
    }
    const dataOffset = (b[at + 12]! >> 4) * 4;
    const flags = ((b[at + 12]! & 0x01) << 8) | b[at + 13]!;
    const seq = u32(b, at + 4);
    const ack = u32(b, at + 8);
    if (dataOffset < 20) {
      d.layers.push(
        tcpHeader(
          b,
          at,
          dataOffset,
          [],
          Math.max(0, length - dataOffset),
          seq,
          ack,
          flags,
          u16(b, at + 14),
          u16(b, at + 16),
        ),
      );
      return;
    }
    if (dataOffset > length && !quoted) {
      // A header longer than the segment the IP header announces: payloadLength says by how much.
      d.layers.push(
        tcpHeader(
          b,
          at,
          dataOffset,
          [],
          length - dataOffset,
          seq,
          ack,
          flags,
          u16(b, at + 14),
          u16(b, at + 16),
        ),
      );
      return;
    }
    if (end - at < dataOffset) {
      // The options run past the captured bytes: those captured, then where they were cut.
      const options = tcpOptions(b, at + 20, end, true);
      d.layers.push({
        ...tcpHeader(
          b,
          at,
          dataOffset,
          options,
          Math.max(0, length - dataOffset),
          seq,
          ack,
          flags,
          u16(b, at + 14),
          u16(b, at + 16),
        ),
        partial: 'options',
      } as TcpLayer);
      if (!quoted) d.truncated = 'tcp';
      return;
    }
    const options = tcpOptions(b, at + 20, at + dataOffset);
    const payloadLength = Math.max(0, length - dataOffset);
    d.layers.push(
      tcpHeader(
        b,
        at,
        dataOffset,
        options,
        payloadLength,
        u32(b, at + 4),
        u32(b, at + 8),
        flags,
        u16(b, at + 14),
        u16(b, at + 16),
      ),
    );
    if (!quoted && (u16(b, at) === 53 || u16(b, at + 2) === 53) && payloadLength > 0)
      decodeDns(d, 'tcp', at + dataOffset, Math.min(end, at + dataOffset + payloadLength));
    return;
  }
  if (protocol === 1 && family === 4) {
    decodeIcmp(d, at, end, length, 'icmp', quoted);
    return;
  }
  if (protocol === 58) {
    decodeIcmp(d, at, end, length, 'icmpv6', quoted);
    return;
  }
}

function tcpHeader(
  b: Uint8Array,
  at: number,
  headerLength: number,
  options: TcpOption[],
  payloadLength: number,
  sequence: number,
  acknowledgment: number,
  flags: number,
  window: number,
  checksum: number,
): Layer {
  return {
    protocol: 'tcp',
    offset: at,
    headerLength,
    sourcePort: u16(b, at),
    destinationPort: u16(b, at + 2),
    sequence,
    acknowledgment,
    flags,
    window,
    checksum,
    urgent: b.length >= at + 20 ? u16(b, at + 18) : 0,
    options,
    payloadLength,
  };
}

function tcpOptions(b: Uint8Array, at: number, end: number, cut = false): TcpOption[] {
  const out: TcpOption[] = [];
  let o = at;
  while (o < end) {
    const kind = b[o]!;
    if (kind === 0) {
      // End of option list: what follows is padding (tcpdump stops there too).
      out.push({ kind: 'eol' });
      break;
    }
    if (kind === 1) {
      out.push({ kind: 'nop' });
      o++;
      continue;
    }
    const len = o + 1 < end ? b[o + 1]! : 0;
    if (cut && (o + 1 >= end || o + len > end)) {
      out.push({ kind: 'cut', type: kind, named: o + 1 < end });
      break;
    }
    if (len < 2 || o + len > end) {
      out.push({ kind: 'bad', type: kind, length: len });
      break;
    }
    const v = o + 2;
    if (kind === 2 && len === 4) out.push({ kind: 'mss', value: u16(b, v) });
    else if (kind === 3 && len === 3) out.push({ kind: 'wscale', value: b[v]! });
    else if (kind === 4 && len === 2) out.push({ kind: 'sackOK' });
    else if (kind === 8 && len === 10) out.push({ kind: 'timestamp', value: u32(b, v), echo: u32(b, v + 4) });
    else if (kind === 5 && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let s = v; s < o + len; s += 8) blocks.push([u32(b, s), u32(b, s + 4)]);
      out.push({ kind: 'sack', blocks });
    } else out.push({ kind: 'other', type: kind, data: b.slice(v, o + len) });
    o += len;
  }
  if (cut && out[out.length - 1]?.kind !== 'cut') out.push({ kind: 'cut', type: 0, named: false });
  return out;
}

/** ICMPv4 types whose body quotes the offending datagram. */
const ICMP4_ERRORS = new Set([3, 4, 5, 11, 12]);
const ICMP4_QUERIES = new Set([0, 8, 13, 14, 15, 16, 17, 18]);

function decodeIcmp(
  d: Dissection,
  at: number,
  end: number,
  length: number,
  protocol: 'icmp' | 'icmpv6',
  quoted: boolean,
): void {
  const b = d.bytes;
  if (end - at < 4) {
    d.truncated = protocol === 'icmp' ? 'icmp' : 'icmp6';
    return;
  }
  const type = b[at]!;
  const code = b[at + 1]!;
  const checksum = u16(b, at + 2);
  const v6 = protocol === 'icmpv6';
  const base = { protocol, offset: at, headerLength: 8, type, code, checksum, length } as const;
  const isQuery = v6 ? type === 128 || type === 129 : ICMP4_QUERIES.has(type);
  const isError = v6 ? type >= 1 && type <= 4 : ICMP4_ERRORS.has(type);
  if (isQuery) {
    if (end - at < 8) {
      d.layers.push(base);
      if (!quoted) d.truncated = protocol === 'icmp' ? 'icmp' : 'icmp6';
      return;
    }
    // Written out rather than spread from `base`: echo is most of a ping flood, and spreads are slow.
    d.layers.push({
      protocol,
      offset: at,
      headerLength: 8,
      type,
      code,
      checksum,
      length,
      identifier: u16(b, at + 4),
      sequence: u16(b, at + 6),
    });
    return;
  }
  if (isError && !quoted && end - at >= 8) {
    const inner = new Dissection(b.subarray(0, end), d.options);
    if (v6) decodeIpv6(inner, at + 8, true);
    else decodeIpv4(inner, at + 8, true);
    d.layers.push({ ...base, quoted: inner.layers });
    return;
  }
  if (v6 && (type === 135 || type === 136 || type === 137) && end - at >= 24) {
    d.layers.push({ ...base, headerLength: type === 137 ? 40 : 24, target: formatIpv6(b, at + 8) });
    return;
  }
  d.layers.push(base);
}

function decodeDns(d: Dissection, transport: 'udp' | 'tcp', at: number, end: number): void {
  if (d.options.dnsMessages === false) {
    d.layers.push({ protocol: 'dns', offset: at, headerLength: end - at, transport });
    return;
  }
  const body = transport === 'tcp' ? d.bytes.subarray(at + 2, end) : d.bytes.subarray(at, end);
  try {
    const message = decodeMessage(body);
    d.layers.push({ protocol: 'dns', offset: at, headerLength: end - at, transport, message });
  } catch (err) {
    d.layers.push({
      protocol: 'dns',
      offset: at,
      headerLength: end - at,
      transport,
      error: (err as Error).message,
    });
  }
}
