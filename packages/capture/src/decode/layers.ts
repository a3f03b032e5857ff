import type { DnsMessage } from '@netdiag/dns-client';
import type { Ipv4Header, Ipv6Header } from '@netdiag/icmp';

/**
 * What a dissector returns: the layers it could decode, outermost first, in Wireshark's shape.
 * Lines (tcpdump's format), --json and the live view all render this one value. Every layer
 * records where it starts in the frame (`offset`) and its header's length, so a printer can
 * reach the bytes (checksums, hex dumps) without decoding twice.
 */
export interface DecodedPacket {
  readonly linkType: number;
  readonly layers: readonly Layer[];
  /** The protocol whose header ran past the captured bytes (tcpdump's `[|proto]`). */
  readonly truncated?: string;
}

interface At {
  readonly offset: number;
  readonly headerLength: number;
}

export interface VlanTag {
  readonly tpid: number;
  readonly priority: number;
  readonly dei: boolean;
  readonly id: number;
}

export interface EthernetLayer extends At {
  readonly protocol: 'ethernet';
  readonly source: string;
  readonly destination: string;
  /** The type/length field right after the addresses (0x8100 when tagged). */
  readonly firstType: number;
  /** The EtherType of the payload, after any 802.1Q tags; a length (≤ 1500) for 802.3 frames. */
  readonly etherType: number;
  readonly vlans: readonly VlanTag[];
}

export interface SllLayer extends At {
  readonly protocol: 'sll' | 'sll2';
  /** 0 to the host, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us (PACKET_*). */
  readonly packetType: number;
  readonly hardwareType: number;
  readonly address: Uint8Array;
  readonly etherType: number;
  /** SLL2 only: the capturing interface's index. */
  readonly interfaceIndex?: number;
}

export interface ArpLayer extends At {
  readonly protocol: 'arp';
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly hardwareLength: number;
  readonly protocolLength: number;
  readonly operation: number;
  /** Addresses as text: MACs for Ethernet, dotted quads for IPv4; hex otherwise. */
  readonly senderHardware: string;
  readonly senderProtocol: string;
  readonly targetHardware: string;
  readonly targetProtocol: string;
}

export interface Ipv4Option {
  readonly type: number;
  /** The option's bytes after type and length. */
  readonly data: Uint8Array;
  /** The capture ended inside this option. */
  readonly cut?: boolean;
}

export interface Ipv4Layer extends At {
  readonly protocol: 'ipv4';
  readonly header: Ipv4Header;
  readonly options: readonly Ipv4Option[];
  /** Bytes of payload the header announces (total length − header length). */
  readonly payloadLength: number;
  /** The capture ended inside the options: only the fixed header was decoded. */
  readonly partial?: boolean;
}

export interface Ipv6Extension {
  /** 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options, 51 AH, ... */
  readonly type: number;
  readonly offset: number;
  readonly length: number;
  readonly nextHeader: number;
  /** Fragment header fields (`identification` −1 when the capture ended before it). */
  readonly fragment?: { readonly offset: number; readonly more: boolean; readonly identification: number };
}

export interface Ipv6Layer extends At {
  readonly protocol: 'ipv6';
  readonly header: Ipv6Header;
  readonly extensions: readonly Ipv6Extension[];
  /** The upper-layer protocol after the extension headers. */
  readonly nextHeader: number;
  /** Bytes of upper-layer payload the header announces, extension headers excluded. */
  readonly payloadLength: number;
}

export interface IcmpLayer extends At {
  readonly protocol: 'icmp' | 'icmpv6';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** The ICMP message's length as the IP header announces it. */
  readonly length: number;
  /** Echo and other query messages. */
  readonly identifier?: number;
  readonly sequence?: number;
  /** Errors: the datagram quoted inside, as decoded as it could be. */
  readonly quoted?: readonly Layer[];
  /** Neighbour discovery: the target address (NS, NA, redirect). */
  readonly target?: string;
}

export interface UdpLayer extends At {
  readonly protocol: 'udp';
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly length: number;
  readonly checksum: number;
}

export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'wscale'; readonly value: number }
  | { readonly kind: 'sackOK' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'timestamp'; readonly value: number; readonly echo: number }
  | { readonly kind: 'other'; readonly type: number; readonly data: Uint8Array }
  | { readonly kind: 'bad'; readonly type: number; readonly length: number }
  /** The capture ended inside this option; `named` when its length byte was captured. */
  | { readonly kind: 'cut'; readonly type: number; readonly named: boolean };

export interface TcpLayer extends At {
  readonly protocol: 'tcp';
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequence: number;
  readonly acknowledgment: number;
  /** The 12 flag bits: CWR 0x80, ECE 0x40, URG 0x20, ACK 0x10, PSH 0x08, RST 0x04, SYN 0x02, FIN 0x01, AE 0x100. */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgent: number;
  readonly options: readonly TcpOption[];
  /** Payload bytes the IP header announces (negative: the header is that much longer than the segment). */
  readonly payloadLength: number;
  /** The capture ended inside the header: after the ports, or inside the options. */
  readonly partial?: 'ports' | 'options';
}

export interface DnsLayer extends At {
  readonly protocol: 'dns';
  readonly transport: 'udp' | 'tcp';
  /** The decoded message, when it was whole and well formed. */
  readonly message?: DnsMessage;
  readonly error?: string;
}

export type Layer =
  | EthernetLayer
  | SllLayer
  | ArpLayer
  | Ipv4Layer
  | Ipv6Layer
  | IcmpLayer
  | UdpLayer
  | TcpLayer
  | DnsLayer;
