import { formatIpv6 } from '@netdiag/address';
import { onesComplementSum, pseudoHeaderSum } from '@netdiag/icmp';
import { HEX2, macText, u16, u32 } from '../decode/bytes.js';
import { decode } from '../decode/decode.js';
import type {
  ArpLayer,
  DecodedPacket,
  EthernetLayer,
  IcmpLayer,
  Ipv4Layer,
  Ipv6Layer,
  Layer,
  SllLayer,
  TcpLayer,
  UdpLayer,
} from '../decode/layers.js';
import type { CapturedPacket } from '../pcap/packet.js';
import { dnsText } from './dns.js';
import { asciiDump, hexAsciiDump, hexDump } from './hex.js';
import {
  ARP_HARDWARE,
  ARP_OPERATION,
  ETHERTYPE,
  ICMP_UNREACH,
  ICMP6_TYPE,
  ICMP6_UNREACH,
  IPPROTO,
  MLD2_RECORD,
  ND_OPTION,
  SLL_PACKET_TYPE,
} from './names.js';
import type { PrintOptions } from './options.js';
import { TimestampFormat } from './time.js';

/** Truncation marks after which tcpdump dumps the whole frame, not from the end of the link header. */
const DUMP_WHOLE = new Set([
  'arp',
  'icmp',
  'hbhopt',
  'dstopt',
  'icmp6',
  'ether',
  'vlan',
  'sll',
  'sll2',
  'netdiag',
]);

/** TCP conversations remembered for relative sequence numbers. */
const MAX_TCP_CONVERSATIONS = 100_000;

/** The printer walks DNS bytes itself (it must print what a cut message holds): no message objects. */
const LINES_ONLY = { dnsMessages: false } as const;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** tcpdump's in_cksum_shouldbe: what the checksum field should have held. */
function shouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The Internet checksum over bytes with a pseudo-header sum carried in: 0 when correct. */
function verify(b: Uint8Array, start: number, end: number, initial: number): number {
  return ~onesComplementSum(b.subarray(start, end), initial) & 0xffff;
}

/** One TCP conversation's initial sequence numbers, for tcpdump's relative numbers. */
interface TcpSequences {
  seq: number;
  ack: number;
}

/** Where the IP layer of a packet is: the checksums of the layers above need its addresses. */
interface IpContext {
  readonly version: 4 | 6;
  readonly layer: Ipv4Layer | Ipv6Layer;
  /** The datagram has more fragments (IPv4 MF set): tcpdump checks no checksum then. */
  readonly fragmented: boolean;
}

/**
 * tcpdump's printer as a session over a stream of packets: the options are fixed at the start,
 * and it keeps what tcpdump keeps between packets (TCP initial sequence numbers, the previous
 * timestamp, the packet count). Lines accumulate in one buffer; `take()` hands them out for a
 * single write.
 */
export class PacketPrinter {
  private out = '';
  private count = 0;
  private readonly time: TimestampFormat;
  private readonly verbose: number;
  private readonly link: boolean;
  private readonly quiet: boolean;
  private readonly tcp = new Map<string, TcpSequences>();
  /** The link header's length in the packet being printed: where -x and -X start. */
  private linkHeaderLength = 0;
  /** Set by a printer that stopped where tcpdump longjmps: the dump is then of the whole frame. */
  private wholeDump = false;

  constructor(readonly options: PrintOptions = {}) {
    this.time = new TimestampFormat(options);
    this.verbose = options.verbose ?? 0;
    this.link = options.link ?? false;
    this.quiet = options.quiet ?? false;
  }

  /** Appends the packet's line (and hex dump) to the buffer. */
  print(packet: CapturedPacket, decoded?: DecodedPacket): void {
    this.out += this.format(packet, decoded);
    this.out += '\n';
  }

  /** Takes what was printed so far. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  get pending(): number {
    return this.out.length;
  }

  /** The packet's text without the final newline. Never throws. */
  format(
    packet: CapturedPacket,
    decoded: DecodedPacket = decode(packet.data, packet.linkType, LINES_ONLY),
  ): string {
    this.count++;
    let s = this.options.number ? `${String(this.count).padStart(5)}  ` : '';
    // tcpdump's pretty_print_packet refuses an empty capture before anything else.
    if (packet.data.length === 0) return `${s}[Invalid header: caplen==0]`;
    s += this.time.format(packet.seconds, packet.nanos);
    let body: string;
    let headerLength = 0;
    try {
      body = this.body(packet, decoded);
      headerLength = this.linkHeaderLength;
    } catch {
      // A printer bug must not end a capture: say where, as tcpdump says [|proto].
      body = '[|netdiag]';
    }
    s += body;
    // A packet cut short is dumped whole: tcpdump cannot tell how far its printer got.
    // Which marks come from tcpdump's longjmp (whole dump) and which from an explicit check
    // (dump after the link header) was read off tcpdump's output for each.
    const mark = body.includes('[|') ? /\[\|(\w+)\]/.exec(body)?.[1] : undefined;
    if ((mark !== undefined && DUMP_WHOLE.has(mark)) || this.wholeDump) headerLength = 0;
    this.wholeDump = false;
    const b = packet.data;
    const hex = this.options.hex;
    if (hex === 'X' || hex === 'XX')
      s += hexAsciiDump(b, hex === 'XX' ? 0 : Math.min(headerLength, b.length), b.length);
    else if (hex === 'x' || hex === 'xx')
      s += hexDump(b, hex === 'xx' ? 0 : Math.min(headerLength, b.length), b.length);
    else if (this.options.ascii) s += asciiDump(b, Math.min(headerLength, b.length), b.length);
    return s;
  }

  /** The line after the timestamp, and the link header's length (where -x and -X start). */
  private body(packet: CapturedPacket, d: DecodedPacket): string {
    this.linkHeaderLength = 0;
    const layers = d.layers;
    const first = layers[0];
    const b = packet.data;
    const wire = packet.originalLength;
    switch (packet.linkType) {
      case 1: {
        if (first?.protocol !== 'ethernet') {
          this.linkHeaderLength = b.length;
          return ' [|ether]';
        }
        this.linkHeaderLength = first.headerLength;
        return this.ethernet(first, layers, b, wire, d.truncated);
      }
      case 113:
      case 276: {
        if (!first || (first.protocol !== 'sll' && first.protocol !== 'sll2')) {
          this.linkHeaderLength = b.length;
          return ` [|${packet.linkType === 113 ? 'sll' : 'sll2'}]`;
        }
        this.linkHeaderLength = first.headerLength;
        return this.sll(first as SllLayer, layers, b, wire, d.truncated);
      }
      case 101:
      case 12:
      case 14:
      case 228:
      case 229:
        // tcpdump's raw_if_print: with -e, an "ip: " where a link header would be.
        // A version that is neither 4 nor 6 (the raw link types carry no EtherType to go by).
        if (
          packet.linkType !== 228 &&
          packet.linkType !== 229 &&
          !layers.length &&
          b[0]! >> 4 !== 4 &&
          b[0]! >> 4 !== 6
        )
          return `${this.link ? 'ip: ' : ''}unknown ip ${b[0]! >> 4}`;
        return (this.link ? 'ip: ' : '') + this.network(layers, 0, b, wire, d.truncated);
      default:
        return `unsupported link type ${packet.linkType}`;
    }
  }

  private ethernet(
    e: EthernetLayer,
    layers: readonly Layer[],
    b: Uint8Array,
    wire: number,
    truncated?: string,
  ): string {
    let s = '';
    if (this.link) {
      s += `${e.source} > ${e.destination}, `;
      s += e.firstType > 1500 ? this.etherType(e.firstType) : `802.3`;
      s += `, length ${wire}: `;
      for (const tag of e.vlans) {
        s += `vlan ${tag.id}, p ${tag.priority}${tag.dei ? ', DEI' : ''}, `;
        const inner = e.vlans[e.vlans.indexOf(tag) + 1]?.tpid ?? e.etherType;
        if (inner > 1500) s += `${this.etherType(inner)}, `;
      }
    }
    if (truncated === 'vlan') return `${s} [|vlan]`;
    const next = layers[1];
    if (!next) {
      if (truncated) return s + this.network(layers, 1, b, wire - e.headerLength, truncated);
      if (e.etherType <= 1500) return `${s}802.3, length ${e.etherType}`;
      // A type netdiag does not decode: tcpdump prints the addresses and type, then the bytes.
      if (!this.link) s += `${e.source} > ${e.destination}, ${this.etherType(e.etherType)}, length ${wire}: `;
      return s + this.defaultPrint(b, e.headerLength);
    }
    return s + this.network(layers, 1, b, wire - e.headerLength, truncated);
  }

  /** tcpdump's default print of a payload it cannot decode: hex and ASCII, unless a dump follows anyway. */
  private defaultPrint(b: Uint8Array, from: number): string {
    return this.options.hex || this.quiet ? '' : hexAsciiDump(b, from, b.length);
  }

  private etherType(type: number): string {
    const name = ETHERTYPE[type];
    if (this.quiet) return name ?? `Unknown Ethertype (0x${hex4(type)})`;
    return `ethertype ${name ?? 'Unknown'} (0x${hex4(type)})`;
  }

  private sll(
    l: SllLayer,
    layers: readonly Layer[],
    b: Uint8Array,
    wire: number,
    truncated?: string,
  ): string {
    let s = '';
    const type = SLL_PACKET_TYPE[l.packetType] ?? '?';
    if (l.protocol === 'sll2') {
      const name = this.options.interfaceName?.(l.interfaceIndex ?? 0) ?? '?';
      s += `${name.padEnd(5)} ${type.padEnd(3)} `;
      if (this.link) {
        s += `ifindex ${l.interfaceIndex} `;
        if (l.address.length === 6) s += `${macText(l.address, 0)} `;
        if (!this.quiet) s += `${this.sllType(l.etherType)}, length ${wire}: `;
      }
    } else if (this.link) {
      s += `${type.padStart(3)} `;
      if (l.address.length === 6) s += `${macText(l.address, 0)} `;
      if (!this.quiet) s += `${this.sllType(l.etherType)}, length ${wire}: `;
    }
    if (!layers[1])
      return truncated
        ? s + this.network(layers, 1, b, wire - l.headerLength, truncated)
        : s + this.defaultPrint(b, l.headerLength);
    return s + this.network(layers, 1, b, wire - l.headerLength, truncated);
  }

  private sllType(type: number): string {
    if (type > 1500) return `ethertype ${ETHERTYPE[type] ?? 'Unknown'} (0x${hex4(type)})`;
    if (type === 1) return '802.3';
    if (type === 4) return '802.2';
    return `ethertype Unknown (0x${hex4(type)})`;
  }

  /** Network layer and up, from `layers[i]`. `length` is the bytes on the wire from here. */
  private network(
    layers: readonly Layer[],
    i: number,
    b: Uint8Array,
    length: number,
    truncated?: string,
  ): string {
    const l = layers[i];
    if (!l) {
      const prev = layers[i - 1];
      const at = prev ? prev.offset + prev.headerLength : 0;
      // tcpdump reads IPv4's version from its first byte, IPv6's once the fixed header is there.
      const fixed = truncated === 'ip' ? at < b.length : b.length - at >= 40;
      if (truncated === 'ip' && fixed && b[at]! >> 4 === 6)
        return 'IP6, wrong link-layer encapsulation (invalid)';
      if (truncated === 'ip' && fixed && b[at]! >> 4 !== 4) return `IP${b[at]! >> 4} (invalid)`;
      if (truncated === 'ip' && fixed && (b[at]! & 0x0f) < 5)
        return `${this.link ? '' : 'IP '}bad-hlen ${(b[at]! & 0x0f) * 4}`;
      if (truncated === 'ip6' && fixed && b[at]! >> 4 !== 6)
        return `${this.link ? '' : 'IP6 '}version error: ${b[at]! >> 4} != 6`;
      if (truncated === 'ip') return at >= b.length ? ' [|ip]' : `${this.link ? '' : 'IP '} [|ip]`;
      return truncated ? ` [|${truncated}]` : '';
    }
    if (l.protocol === 'arp') return this.arp(l, length);
    if (l.protocol === 'ipv4') return this.ipv4(l, layers, i, b, length, truncated);
    if (l.protocol === 'ipv6') return this.ipv6(l, layers, i, b, truncated);
    return '';
  }

  private arp(a: ArpLayer, length: number): string {
    let s = this.link ? '' : 'ARP, ';
    // Addresses tcpdump cannot read as IPv4 over a hardware address: the types and lengths only.
    const odd =
      (a.protocolType !== 0x0800 && a.protocolType !== 0x1000) ||
      a.protocolLength !== 4 ||
      a.hardwareLength === 0;
    if (odd && !this.verbose)
      return `${s}${ARP_HARDWARE[a.hardwareType] ?? `Unknown Hardware (${a.hardwareType})`} (len ${a.hardwareLength}), ${ETHERTYPE[a.protocolType] ?? `Unknown Protocol (0x${hex4(a.protocolType)})`} (len ${a.protocolLength}), length ${Math.max(0, length)}`;
    if (this.verbose) {
      s += `${ARP_HARDWARE[a.hardwareType] ?? `Unknown Hardware (${a.hardwareType})`} (len ${a.hardwareLength}), ${ETHERTYPE[a.protocolType] ?? `Unknown Protocol (0x${hex4(a.protocolType)})`} (len ${a.protocolLength}), `;
    }
    s += `${ARP_OPERATION[a.operation] ?? `Unknown (${a.operation})`} `;
    switch (a.operation) {
      case 1:
        s += `who-has ${a.targetProtocol}`;
        if (a.hardwareLength > 0 && !/^[0:]*$/.test(a.targetHardware)) s += ` (${a.targetHardware})`;
        s += ` tell ${a.senderProtocol}`;
        break;
      case 2:
        s += `${a.senderProtocol} is-at ${a.senderHardware}`;
        break;
      case 3:
        s += `who-is ${a.targetHardware} tell ${a.senderHardware}`;
        break;
      case 4:
        s += `${a.targetHardware} at ${a.targetProtocol}`;
        break;
      default:
        break;
    }
    return `${s}, length ${Math.max(0, length)}`;
  }

  private ipv4(
    ip: Ipv4Layer,
    layers: readonly Layer[],
    i: number,
    b: Uint8Array,
    wire: number,
    truncated?: string,
  ): string {
    const h = ip.header;
    let s = this.link ? '' : 'IP ';
    if (h.totalLength < h.headerLength && !ip.partial) return `${s}bad-len ${h.totalLength}`;
    if (h.totalLength > wire && wire >= 0 && !ip.partial)
      s += `truncated-ip - ${h.totalLength - wire} bytes missing! `;
    if (this.verbose) {
      s += `(tos 0x${h.tos.toString(16)}`;
      const ecn = h.tos & 3;
      if (ecn === 1) s += ',ECT(1)';
      else if (ecn === 2) s += ',ECT(0)';
      else if (ecn === 3) s += ',CE';
      const flags: string[] = [];
      if (h.moreFragments) flags.push('+');
      if (h.dontFragment) flags.push('DF');
      if (b[ip.offset + 6]! & 0x80) flags.push('rsvd');
      // tcpdump leaves a zero TTL out.
      if (h.ttl) s += `, ttl ${h.ttl}`;
      s += `, id ${h.identification}, offset ${h.fragmentOffset}, flags [${flags.length ? flags.join(', ') : 'none'}], proto ${IPPROTO[h.protocol] ?? 'unknown'} (${h.protocol}), length ${h.totalLength}`;
      if (ip.partial) {
        // tcpdump reads the options it has, names the one the capture cut, then the addresses.
        if (!ip.options.length) return `${s}, options ( [|ip]`;
        const list = ip.options.map((o) =>
          o.cut ? `${IP_OPTION[o.type] ?? `unknown ${o.type}`} [truncated-option]` : ipOptionText(o),
        );
        return `${s}, options (${list.join(',')}))\n    ${h.source} > ${h.destination}:  [|ip]`;
      }
      if (ip.options.length) s += `, options (${ip.options.map(ipOptionText).join(',')})`;
      const sum = verify(b, ip.offset, ip.offset + h.headerLength, 0);
      if (sum !== 0)
        s += `, bad cksum ${h.checksum.toString(16)} (->${shouldBe(h.checksum, sum).toString(16)})!`;
      s += ')\n    ';
    }
    if (ip.partial)
      return `${s}${h.source} > ${h.destination}:  [remaining caplen(${b.length - ip.offset}) < header length(${h.headerLength})] [|ip]`;

    if (h.fragmentOffset !== 0) return `${s}${h.source} > ${h.destination}: ip-proto-${h.protocol}`;
    const ctx: IpContext = { version: 4, layer: ip, fragmented: h.moreFragments };
    const next = layers[i + 1];
    const p = h.protocol;
    if (p !== 6 && p !== 17) s += `${h.source} > ${h.destination}: `;
    if (!next) {
      // The transport header is cut short: tcpdump names the addresses alone, then the mark.
      if (truncated === 'udp' || truncated === 'tcp')
        return `${s}${h.source} > ${h.destination}: ${truncated === 'udp' ? ' ' : ''}[|${truncated}]`;
      if (truncated) return `${s} [|${truncated}]`;
      return `${s} ip-proto-${p} ${ip.payloadLength}`;
    }
    return s + this.transport(next, layers, i + 1, b, ctx, h.source, h.destination, truncated);
  }

  private ipv6(
    ip: Ipv6Layer,
    layers: readonly Layer[],
    i: number,
    b: Uint8Array,
    truncated?: string,
  ): string {
    const h = ip.header;
    let s = this.link ? '' : 'IP6 ';
    if (this.verbose) {
      s += '(';
      if (h.trafficClass) s += `class 0x${HEX2[h.trafficClass]}, `;
      if (h.flowLabel) s += `flowlabel 0x${h.flowLabel.toString(16).padStart(5, '0')}, `;
      s += `hlim ${h.hopLimit}, next-header ${IPPROTO[h.nextHeader] ?? 'unknown'} (${h.nextHeader}) payload length: ${h.payloadLength}) `;
    }
    if (h.nextHeader !== 6 && h.nextHeader !== 17) s += `${h.source} > ${h.destination}: `;
    for (const x of ip.extensions) {
      if (x.type === 0 && x !== ip.extensions[0])
        return `${s}[The Hop-by-Hop Options header was already found] (invalid)`;
      if (x.type === 0 || x.type === 60) {
        s += x.type === 0 ? 'HBH ' : 'DSTOPT ';
        if (this.verbose) s += `${ipv6OptionsText(b, x.offset + 2, x.offset + x.length)} `;
      } else if (x.type === 44 && x.fragment) {
        const len = 40 + h.payloadLength - (x.offset - ip.offset) - 8;
        if (x.fragment.identification < 0) {
          if (this.verbose) return `${s} [|frag6]`;
          return `${s}frag (${x.fragment.offset}|${len})${x.fragment.offset === 0 ? ' ' : ''}`;
        }
        s += this.verbose
          ? `frag (0x${x.fragment.identification.toString(16).padStart(8, '0')}:${x.fragment.offset}|${len})`
          : `frag (${x.fragment.offset}|${len})`;
        if (x.fragment.offset !== 0) return s;
        s += ' ';
      } else if (x.type === 43) {
        const len = b[x.offset + 1]!;
        const type = b[x.offset + 2]!;
        s += `RT6 (len=${len}, type=${type}, segleft=${b[x.offset + 3]}`;
        if (type === 0 || type === 2) {
          // Type 0 and 2 carry addresses after 4 reserved bytes: tcpdump lists them, -v the reserved.
          const reserved = u32(b, x.offset + 4);
          if (this.verbose || reserved) s += `, rsv=0x${reserved.toString(16)}`;
          for (let k = 0; k < len / 2 && x.offset + 8 + 16 * (k + 1) <= b.length; k++)
            s += `, [${k}]${formatIpv6(b, x.offset + 8 + 16 * k)}`;
        }
        s += ') ';
      }
    }
    if (truncated === 'ip6' && layers.length === i + 1) return `${s} [|ip6]`;
    const next = layers[i + 1];
    // A fragment's upper layer is incomplete: tcpdump checks no checksum of it.
    const ctx: IpContext = { version: 6, layer: ip, fragmented: ip.extensions.some((x) => x.type === 44) };
    if (!next) {
      if (truncated === 'udp' || truncated === 'tcp')
        return `${s}${h.source} > ${h.destination}: ${truncated === 'udp' ? ' ' : ''}[|${truncated}]`;
      if (truncated === 'icmp6') {
        // tcpdump names the ICMPv6 type (and an unreachable's code) before it finds the rest cut.
        const at = ip.offset + ip.headerLength;
        if (at < b.length) {
          let name = `ICMP6, ${ICMP6_TYPE[b[at]!] ?? `unknown icmp6 type (${b[at]})`}`;
          if (b[at] === 1 && at + 1 < b.length)
            name += `, ${ICMP6_UNREACH[b[at + 1]!] ?? `unknown unreach code (${b[at + 1]})`}`;
          return `${s}${name} [|icmp6]`;
        }
      }
      if (truncated) return `${s} [|${truncated}]`;
      if (ip.nextHeader === 59) return `${s}no next header`;
      const at = ip.offset + ip.headerLength;
      if (ip.nextHeader === 50 && b.length - at >= 8)
        return `${s}ESP(spi=0x${u32(b, at).toString(16).padStart(8, '0')},seq=0x${u32(b, at + 4).toString(16)}), length ${ip.payloadLength}`;
      return `${s} ip-proto-${ip.nextHeader} ${ip.payloadLength}`;
    }
    // After extension headers tcpdump has printed the addresses already: the ports stand alone.
    const portsOnly = h.nextHeader !== 6 && h.nextHeader !== 17;
    return s + this.transport(next, layers, i + 1, b, ctx, h.source, h.destination, truncated, portsOnly);
  }

  private transport(
    l: Layer,
    layers: readonly Layer[],
    i: number,
    b: Uint8Array,
    ip: IpContext,
    source: string,
    destination: string,
    truncated?: string,
    portsOnly = false,
  ): string {
    switch (l.protocol) {
      case 'udp':
        return this.udp(l, layers[i + 1], b, ip, source, destination, portsOnly);
      case 'tcp':
        return this.tcpText(l, b, ip, source, destination, portsOnly);
      case 'icmp':
        return this.icmp(l, b, ip, truncated);
      case 'icmpv6':
        return this.icmp6(l, b, ip, truncated);
      default:
        return '';
    }
  }

  private pseudo(ip: IpContext, b: Uint8Array, protocol: number, length: number): number {
    const at = ip.layer.offset;
    if (ip.version === 4)
      return pseudoHeaderSum(b.subarray(at + 12, at + 16), b.subarray(at + 16, at + 20), protocol, length);
    // With a routing header still to be followed, the checksum covers the final destination (RFC 8200).
    let destination = at + 24;
    if (ip.layer.protocol === 'ipv6')
      for (const x of ip.layer.extensions) {
        const type = b[x.offset + 2];
        const addresses = (b[x.offset + 1]! >> 1) | 0;
        if (x.type === 43 && (type === 0 || type === 2) && b[x.offset + 3]! > 0 && addresses > 0)
          destination = x.offset + 8 + 16 * (addresses - 1);
      }
    return pseudoHeaderSum(
      b.subarray(at + 8, at + 24),
      b.subarray(destination, destination + 16),
      protocol,
      length,
    );
  }

  private udp(
    u: UdpLayer,
    next: Layer | undefined,
    b: Uint8Array,
    ip: IpContext,
    src: string,
    dst: string,
    portsOnly = false,
  ): string {
    let s = endpoints(src, dst, u, portsOnly);
    if (u.length < 0) return `${s} [|udp]`;
    if (u.length < 8) return `${s}truncated-udplength ${u.length}`;
    // tcpdump's udp_print: the datagram's length, unless the IP header announces less.
    const payload = u.length - 8;
    const announced = Math.min(payload, ip.layer.payloadLength - 8);
    if (this.verbose && !ip.fragmented && (ip.version === 6 || this.verbose > 1)) {
      if (ip.version === 4 && u.checksum === 0) s += '[no cksum] ';
      else if (u.offset + u.length <= b.length) {
        const sum = verify(b, u.offset, u.offset + u.length, this.pseudo(ip, b, 17, u.length));
        s +=
          sum !== 0
            ? `[bad udp cksum 0x${hex4(u.checksum)} -> 0x${hex4(shouldBe(u.checksum, sum))}!] `
            : '[udp sum ok] ';
      }
    }
    if (!this.quiet && next?.protocol === 'dns')
      // tcpdump reads no further than the IP header says the datagram goes, whatever was captured.
      return s + dnsText(b, u.offset + 8, Math.min(b.length, ipEnd(ip)), announced, false, this.verbose);
    if (payload > announced && !ip.fragmented) return `${s}UDP, bad length ${payload} > ${announced}`;
    return `${s}UDP, length ${payload}`;
  }

  private tcpText(
    t: TcpLayer,
    b: Uint8Array,
    ip: IpContext,
    src: string,
    dst: string,
    portsOnly = false,
  ): string {
    let s = endpoints(src, dst, t, portsOnly);
    if (t.partial === 'ports') return `${s} [|tcp]`;
    const length = t.payloadLength + t.headerLength;
    if (this.quiet) return `${s}tcp ${t.payloadLength}`;
    // tcpdump checks the header length before the flags.
    if (t.payloadLength < 0)
      return `${s}Flags [${tcpFlags(t.flags)}] [bad hdr length ${t.headerLength} - too long, > ${t.headerLength + t.payloadLength}]`;
    if (t.headerLength < 20 && !t.partial)
      return `${s} tcp ${t.payloadLength} [bad hdr length ${t.headerLength} - too short, < 20]`;
    let seq = t.sequence;
    let ack = t.acknowledgment;
    let base: TcpSequences | undefined;
    let rev = false;
    if (!this.options.absoluteTcpSequence && t.flags & 0x10) {
      // tcpdump keys a conversation by its lower endpoint first, so both directions share it.
      const a = b.subarray(
        ip.version === 4 ? ip.layer.offset + 12 : ip.layer.offset + 8,
        ip.version === 4 ? ip.layer.offset + 16 : ip.layer.offset + 24,
      );
      const z = b.subarray(
        ip.version === 4 ? ip.layer.offset + 16 : ip.layer.offset + 24,
        ip.version === 4 ? ip.layer.offset + 20 : ip.layer.offset + 40,
      );
      const cmp = compareBytes(a, z);
      rev = cmp > 0 || (cmp === 0 && t.sourcePort > t.destinationPort);
      const key = rev
        ? `${dst}|${src}|${t.destinationPort}|${t.sourcePort}`
        : `${src}|${dst}|${t.sourcePort}|${t.destinationPort}`;
      const known = this.tcp.get(key);
      if (!known || t.flags & 0x02) {
        // A new conversation: its numbers print whole, and SACK blocks count from them.
        base = rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
        this.tcp.set(key, base);
        // A long live capture must not grow without bound: forget the oldest conversation
        // (tcpdump keeps them all; past this many, its relative numbers may differ from ours).
        if (this.tcp.size > MAX_TCP_CONVERSATIONS) this.tcp.delete(this.tcp.keys().next().value!);
      } else {
        base = known;
        if (rev) {
          seq = (seq - known.ack) >>> 0;
          ack = (ack - known.seq) >>> 0;
        } else {
          seq = (seq - known.seq) >>> 0;
          ack = (ack - known.ack) >>> 0;
        }
      }
    }
    s += `Flags [${tcpFlags(t.flags)}]`;
    if (t.headerLength < 20) return `${s} [bad hdr length ${t.headerLength} - too short, < 20]`;
    if (this.verbose && !ip.fragmented && t.offset + length <= b.length) {
      const sum = verify(b, t.offset, t.offset + length, this.pseudo(ip, b, 6, length));
      s += `, cksum 0x${hex4(t.checksum)}`;
      s += sum !== 0 ? ` (incorrect -> 0x${hex4(shouldBe(t.checksum, sum))})` : ' (correct)';
    }
    const payload = t.payloadLength;
    if (this.verbose > 1 || payload > 0 || t.flags & 0x07) {
      s += `, seq ${seq}`;
      if (payload > 0) s += `:${(seq + payload) >>> 0}`;
    }
    if (t.flags & 0x10) s += `, ack ${ack}`;
    s += `, win ${t.window}`;
    if (t.flags & 0x20) s += `, urg ${t.urgent}`;
    if (t.headerLength > 20) {
      const parts: string[] = [];
      for (const o of t.options) {
        switch (o.kind) {
          case 'eol':
            parts.push('eol');
            break;
          case 'nop':
            parts.push('nop');
            break;
          case 'mss':
            parts.push(`mss ${o.value}`);
            break;
          case 'wscale':
            parts.push(`wscale ${o.value}`);
            break;
          case 'sackOK':
            parts.push('sackOK');
            break;
          case 'timestamp':
            parts.push(`TS val ${o.value} ecr ${o.echo}`);
            break;
          case 'sack': {
            const off = base ? (rev ? base.seq : base.ack) : 0;
            parts.push(
              `sack ${o.blocks.length} ${o.blocks.map(([x, y]) => `{${(x - off) >>> 0}:${(y - off) >>> 0}}`).join('')}`,
            );
            break;
          }
          case 'other':
            parts.push(
              `${TCP_OPTION[o.type] ?? `unknown-${o.type}`}${o.data.length ? ` 0x${Array.from(o.data, (x) => HEX2[x]).join('')}` : ''}`,
            );
            break;
          case 'bad':
            // tcpdump stops at an option whose length is wrong: the rest of the line is not printed.
            // tcpdump closes the list only when an option came before the bad one.
            return `${s}, options [${parts.length ? `${parts.join(',')},[bad opt]]` : '[bad opt]'}`;
          case 'cut':
            // tcpdump names the option it was reading when the bytes ran out, then its mark.
            return `${s}, options [${parts.join(',')}${parts.length ? ',' : ''}${o.named ? (TCP_OPTION[o.type] ?? `unknown-${o.type}`) : ''} [|tcp]${o.named ? '>' : ''}`;
        }
      }
      s += `, options [${parts.join(',')}]`;
    }
    s += `, length ${payload}`;
    if (payload > 0 && (t.sourcePort === 53 || t.destinationPort === 53)) {
      s += dnsText(b, t.offset + t.headerLength, Math.min(b.length, ipEnd(ip)), payload, true, this.verbose);
    }
    return s;
  }

  private icmp(c: IcmpLayer, b: Uint8Array, ip: IpContext, truncated?: string): string {
    let s: string;
    const q = c.quoted;
    const qip = q?.[0];
    const qdst = qip?.protocol === 'ipv4' ? qip.header.destination : undefined;
    // An error whose quoted IP header was not captured: tcpdump's check of it ends the line. Only
    // unreachables and redirects need that header to make sense (they name its destination).
    const isError = c.type === 3 || c.type === 4 || c.type === 5 || c.type === 11 || c.type === 12;
    if (isError && (b.length - c.offset < 28 || ((c.type === 3 || c.type === 5) && !qip))) return ' [|icmp]';
    switch (c.type) {
      case 0:
      case 8:
        // tcpdump composes the ICMP text before printing it: cut short, only the mark shows.
        if (c.identifier === undefined) {
          this.wholeDump = true;
          return ' [|icmp]';
        }
        s = `echo ${c.type === 0 ? 'reply' : 'request'}, id ${c.identifier}, seq ${c.sequence}`;
        break;
      case 3: {
        if (qip?.protocol !== 'ipv4') return ' [|icmp]';
        if (c.code === 3) {
          const t = q?.[1];
          if (t && (t.protocol === 'udp' || t.protocol === 'tcp'))
            s = `${qdst} ${t.protocol} port ${t.destinationPort} unreachable`;
          else {
            // Another protocol: tcpdump still reads a destination port where UDP's would be.
            const at = qip.offset + qip.headerLength + 2;
            if (at + 2 > b.length) return ' [|icmp]';
            s = `${qdst} protocol ${qip.header.protocol} port ${u16(b, at)} unreachable`;
          }
        } else if (c.code === 2) s = `${qdst} protocol ${qip.header.protocol} unreachable`;
        else if (c.code === 4) {
          const mtu = u16(b, c.offset + 6);
          s = mtu ? `${qdst} unreachable - need to frag (mtu ${mtu})` : `${qdst} unreachable - need to frag`;
        } else s = (ICMP_UNREACH[c.code] ?? `%s unreachable - #${c.code}`).replace('%s', qdst ?? '');
        break;
      }
      case 11:
        s =
          c.code === 0
            ? 'time exceeded in-transit'
            : c.code === 1
              ? 'ip reassembly time exceeded'
              : `time exceeded-#${c.code}`;
        break;
      case 4:
        s = `source quench`;
        break;
      case 5:
        s = `redirect ${qdst} to ${c.code === 0 ? 'net' : 'host'} ${b[c.offset + 4]}.${b[c.offset + 5]}.${b[c.offset + 6]}.${b[c.offset + 7]}`;
        break;
      case 12:
        s = `parameter problem - octet ${b[c.offset + 4]}`;
        break;
      case 13:
      case 14:
        s = `time stamp ${c.type === 13 ? 'query' : 'reply'} id ${c.identifier} seq ${c.sequence}`;
        break;
      default:
        s = `type-#${c.type}`;
    }
    s = `ICMP ${s}, length ${c.length}`;
    if (this.verbose && !ip.fragmented && c.offset + c.length <= b.length) {
      const sum = verify(b, c.offset, c.offset + c.length, 0);
      if (sum !== 0)
        s += ` (wrong icmp cksum ${c.checksum.toString(16)} (->${shouldBe(c.checksum, sum).toString(16)})!)`;
    }
    if (this.verbose && q?.length) {
      s += '\n\t';
      const inner = q[0]!;
      if (inner.protocol === 'ipv4') {
        const innerLength = b.length - inner.offset;
        s += this.ipv4(inner, q, 0, b, Math.max(innerLength, inner.header.totalLength), undefined);
      }
    }
    if (truncated === 'icmp') s += ' [|icmp]';
    return s;
  }

  private icmp6(c: IcmpLayer, b: Uint8Array, ip: IpContext, truncated?: string): string {
    let s = '';
    if (this.verbose && !ip.fragmented && c.offset + c.length <= b.length) {
      const sum = verify(b, c.offset, c.offset + c.length, this.pseudo(ip, b, 58, c.length));
      s +=
        sum !== 0
          ? `[bad icmp6 cksum 0x${hex4(c.checksum)} -> 0x${hex4(shouldBe(c.checksum, sum))}!] `
          : '[icmp6 sum ok] ';
    }
    s += `ICMP6, ${ICMP6_TYPE[c.type] ?? `unknown icmp6 type (${c.type})`}`;
    let unknown = false;
    const nd = c.type >= 133 && c.type <= 137;
    if (this.verbose && (nd || c.type === 145 || c.type === 147)) s += `, length ${c.length}`;
    const qip = c.quoted?.[0];
    const qdst = qip?.protocol === 'ipv6' ? qip.header.destination : undefined;
    const end = Math.min(b.length, c.offset + c.length);
    switch (c.type) {
      case 1: {
        const reason = ICMP6_UNREACH[c.code];
        // A code tcpdump does not know: it names it, then dumps the message, with no length.
        if (reason === undefined)
          return `${s}, unknown unreach code (${c.code})${this.verbose < 2 ? hexDump(b, c.offset, Math.min(b.length, c.offset + c.length)) : ''}`;
        s += `, ${reason}`;
        if (!qip) return `${s} [|icmp6]`;
        if (c.code === 4) {
          const t = c.quoted?.[1];
          if (t && (t.protocol === 'udp' || t.protocol === 'tcp'))
            s += `, ${qdst} ${t.protocol} port ${t.destinationPort}`;
          // tcpdump finds no port in other protocols: the message ends there.
          else return `${s} [|icmp6]`;
        } else if (c.code === 2)
          s += ` ${qdst}, source address ${qip.protocol === 'ipv6' ? qip.header.source : ''}`;
        else s += ` ${qdst}`;
        break;
      }
      case 2:
        s += `, mtu ${u32(b, c.offset + 4)}`;
        break;
      case 3:
        if (!qip) return `${s} [|icmp6]`;
        s += c.code === 0 ? ` for ${qdst}` : c.code === 1 ? ' (reassembly)' : `, unknown code (${c.code})`;
        break;
      case 4:
        // tcpdump checks the quoted IPv6 header's destination before it prints the pointer.
        if (end - c.offset < 48) return `${s} [|icmp6]`;
        s +=
          c.code === 0
            ? `, erroneous - octet ${u32(b, c.offset + 4)}`
            : c.code === 1
              ? `, next header - octet ${u32(b, c.offset + 4)}`
              : c.code === 2
                ? `, option - octet ${u32(b, c.offset + 4)}`
                : `, code-#${c.code}`;
        break;
      case 128:
      case 129:
        if (c.identifier === undefined) return `${s} [|icmp6]`;
        s += `, id ${c.identifier}, seq ${c.sequence}`;
        break;
      case 135:
        if (!c.target) return `${s} [|icmp6]`;
        s += `, who has ${c.target}`;
        if (this.verbose) s += ndOptions(b, c.offset + 24, end, this.verbose);
        break;
      case 136: {
        if (!c.target) return `${s} [|icmp6]`;
        s += `, tgt is ${c.target}`;
        if (this.verbose) {
          const f = u32(b, c.offset + 4);
          const flags: string[] = [];
          if (f & 0x80000000) flags.push('router');
          if (f & 0x40000000) flags.push('solicited');
          if (f & 0x20000000) flags.push('override');
          s += `, Flags [${flags.length ? flags.join(', ') : 'none'}]`;
          s += ndOptions(b, c.offset + 24, end, this.verbose);
        }
        break;
      }
      case 133:
        if (this.verbose) s += ndOptions(b, c.offset + 8, end, this.verbose);
        break;
      case 134: {
        if (!this.verbose) break;
        if (end - c.offset < 16) return `${s} [|icmp6]`;
        const f = b[c.offset + 5]!;
        const flags: string[] = [];
        if (f & 0x80) flags.push('managed');
        if (f & 0x40) flags.push('other stateful');
        if (f & 0x20) flags.push('home agent');
        if (f & 0x04) flags.push('proxy');
        const pref = ['medium', 'high', 'reserved', 'low'][(f >> 3) & 3];
        s += `\n\thop limit ${b[c.offset + 4]}, Flags [${flags.length ? flags.join(', ') : 'none'}], pref ${pref}, router lifetime ${u16(b, c.offset + 6)}s, reachable time ${u32(b, c.offset + 8)}ms, retrans timer ${u32(b, c.offset + 12)}ms`;
        s += ndOptions(b, c.offset + 16, end, this.verbose);
        break;
      }
      case 137:
        if (!c.target || end - c.offset < 40) return `${s} [|icmp6]`;
        s += `, ${formatIpv6(b, c.offset + 24)} to ${c.target}`;
        if (this.verbose) s += ndOptions(b, c.offset + 40, end, this.verbose);
        break;
      case 130:
      case 131:
      case 132: {
        if (end - c.offset < 24) return `${s} [|icmp6]`;
        const delay = u16(b, c.offset + 4);
        if (c.type === 130 && c.length >= 28) {
          // MLDv2 query.
          const group = formatIpv6(b, c.offset + 8);
          if (!this.verbose) s += ` v2 [gaddr ${group}]`;
          else {
            const mrd = delay < 0x8000 ? delay : ((delay & 0x0fff) | 0x1000) << (((delay >> 12) & 7) + 3);
            const qqic = b[c.offset + 25]!;
            const qqi = qqic < 128 ? qqic : ((qqic & 0x0f) | 0x10) << (((qqic >> 4) & 7) + 3);
            const robustness = b[c.offset + 24]! & 7;
            s += ` v2 [max resp delay=${mrd}] [gaddr ${group}${robustness ? ` robustness=${robustness}` : ''} qqi=${qqi}`;
            const sources = u16(b, c.offset + 26);
            if (sources && this.verbose > 1) {
              s += ' {';
              for (let k = 0; k < sources && c.offset + 28 + 16 * (k + 1) <= end; k++)
                s += ` ${formatIpv6(b, c.offset + 28 + 16 * k)}`;
              s += ' }';
            } else if (sources) s += ` ${sources} source(s)`;
            s += ']';
          }
          break;
        }
        // MLDv1: tcpdump prints these right after the type's name, without a separator.
        s += `max resp delay: ${delay} addr: ${formatIpv6(b, c.offset + 8)}`;
        break;
      }
      case 143: {
        if (end - c.offset < 8) return `${s} [|icmp6]`;
        const n = u16(b, c.offset + 6);
        s += `, ${n} group record(s)`;
        if (this.verbose) {
          let p = c.offset + 8;
          for (let r = 0; r < n; r++) {
            if (p + 20 > end) return `${s} [|icmp6]`;
            const sources = u16(b, p + 2);
            s += ` [gaddr ${formatIpv6(b, p + 4)} ${MLD2_RECORD[b[p]!] ?? ` [v2-report-#${b[p]}]`}`;
            if (this.verbose === 1) s += `, ${sources} source(s)]`;
            else {
              s += ' {';
              for (let k = 0; k < sources; k++) s += ` ${formatIpv6(b, p + 20 + 16 * k)}`;
              s += ' }]';
            }
            p += 20 + 16 * sources + 4 * b[p + 1]!;
          }
        }
        break;
      }
      default:
        if (ICMP6_TYPE[c.type] === undefined) unknown = true;
        break;
    }
    if (!this.verbose || unknown) s += `, length ${c.length}`;
    // A type tcpdump does not dissect: its bytes follow (print_unknown_data), except with -vv.
    if (unknown && this.verbose < 2) s += hexDump(b, c.offset, Math.min(b.length, c.offset + c.length));
    if (truncated === 'icmp6') s += ' [|icmp6]';
    return s;
  }
}

const TCP_OPTION: Record<number, string> = {
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  6: 'echo',
  7: 'echoreply',
  8: 'TS',
  11: 'cc',
  12: 'ccnew',
  13: 'ccecho',
  19: 'md5',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
  254: 'exp',
};

/** Where the IP datagram ends by its header: tcpdump's ip_print and ip6_print cut the view there. */
function ipEnd(ip: IpContext): number {
  const l = ip.layer;
  return l.protocol === 'ipv4'
    ? l.offset + Math.max(l.header.totalLength, l.headerLength)
    : l.offset + 40 + l.header.payloadLength;
}

/** `addr.port > addr.port: `, or the ports alone where tcpdump printed the addresses already. */
function endpoints(
  src: string,
  dst: string,
  l: { readonly sourcePort: number; readonly destinationPort: number },
  portsOnly: boolean,
): string {
  return portsOnly
    ? `${l.sourcePort} > ${l.destinationPort}: `
    : `${src}.${l.sourcePort} > ${dst}.${l.destinationPort}: `;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** tcpdump's tcp_flag_values, in its order: F S R P . U E W (and e for AE). */
function tcpFlags(f: number): string {
  let s = '';
  if (f & 0x01) s += 'F';
  if (f & 0x02) s += 'S';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += '.';
  if (f & 0x20) s += 'U';
  if (f & 0x40) s += 'E';
  if (f & 0x80) s += 'W';
  if (f & 0x100) s += 'e';
  return s || 'none';
}

/** tcpdump's ip_optprint for one option: its name, and the addresses of a route option. */
function ipOptionText(o: { type: number; data: Uint8Array }): string {
  const name = IP_OPTION[o.type] ?? `unknown ${o.type}`;
  const length = o.data.length + 2;
  if (o.type === 7 || o.type === 131 || o.type === 137) {
    if (length < 3) return `${name} [bad length ${length}]`;
    let s = name;
    if ((length + 1) & 3) s += ` [bad length ${length}]`;
    const pointer = (o.data[0] ?? 0) - 1;
    if (pointer < 3 || (pointer + 1) & 3 || pointer > length + 1) s += ` [bad ptr ${o.data[0]}]`;
    for (let at = 3; at < length; at += 4) {
      if (at - 2 + 4 > o.data.length) return `${s} [|ip]`;
      s += ` ${o.data[at - 2]}.${o.data[at - 1]}.${o.data[at]}.${o.data[at + 1]}`;
      if (pointer > at) s += ',';
    }
    return s;
  }
  if (o.type === 148 && length >= 4) {
    const value = u16(o.data, 0);
    return value !== 0 ? `${name} value ${value}` : name;
  }
  return name;
}

const IP_OPTION: Record<number, string> = {
  0: 'EOL',
  1: 'NOP',
  68: 'timestamp',
  130: 'security',
  7: 'RR',
  137: 'SSRR',
  131: 'LSRR',
  148: 'RA',
  82: 'traceroute',
};

function ipv6OptionsText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; ) {
    const t = b[p]!;
    if (t === 0) {
      s += '(pad1)';
      p++;
      continue;
    }
    const len = b[p + 1] ?? 0;
    if (t === 1) s += '(padn)';
    else if (t === 5) s += `(rtalert: 0x${hex4(u16(b, p + 2))}) `;
    else if (t === 0xc2) s += `(jumbo: ${u32(b, p + 2)}) `;
    else s += `(type 0x${HEX2[t]}: len=${len})`;
    p += 2 + len;
  }
  return s;
}

/** Neighbour discovery options at -v (tcpdump's icmp6_opt_print). */
function ndOptions(b: Uint8Array, start: number, end: number, verbose: number): string {
  let s = '';
  for (let p = start; p + 2 <= end; ) {
    const type = b[p]!;
    const len = b[p + 1]!;
    if (len === 0) return `${s} [|icmp6]`;
    if (p + len * 8 > end) return `${s} [|icmp6]`;
    s += `\n\t  ${ND_OPTION[type] ?? 'unknown'} option (${type}), length ${len * 8} (${len}): `;
    if (type === 1 || type === 2) {
      let mac = '';
      for (let i = 0; i < len * 8 - 2; i++) mac += i === 0 ? HEX2[b[p + 2 + i]!] : `:${HEX2[b[p + 2 + i]!]}`;
      s += mac;
    } else if (type === 5) s += ` ${u32(b, p + 4)}`;
    else if (type === 3 && len === 4) {
      s += `${formatIpv6(b, p + 16)}/${b[p + 2]}, Flags [${prefixFlags(b[p + 3]!)}], valid time ${lifetime(u32(b, p + 4))}, pref. time ${lifetime(u32(b, p + 8))}`;
    }
    // -vv: each option's bytes after type and length too (tcpdump's print_unknown_data).
    // An option tcpdump does not know: its bytes at any -v; a known one's only with -vv.
    if (ND_OPTION[type] === undefined) s += hexDump(b, p + 2, p + len * 8, '\n\t  ');
    else if (verbose > 1) s += hexDump(b, p + 2, p + len * 8, '\n\t    ');
    p += len * 8;
  }
  return s;
}

function prefixFlags(f: number): string {
  const out: string[] = [];
  if (f & 0x80) out.push('onlink');
  if (f & 0x40) out.push('auto');
  if (f & 0x20) out.push('router');
  return out.length ? out.join(', ') : 'none';
}

function lifetime(v: number): string {
  return v === 0xffffffff ? 'infinity' : `${v}s`;
}
