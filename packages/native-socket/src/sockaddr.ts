import { formatIpv6, parseIpv4, parseIpv6 } from '@netdiag/address';

/**
 * Socket addresses as the kernel lays them out (struct sockaddr_in, sockaddr_in6, sockaddr_ll,
 * sockaddr_nl), encoded and decoded here so the addon only ever moves bytes. The family numbers
 * and layouts are Linux ABI; a test checks the family numbers against the addon's headers.
 */
export const AddressFamily = { inet: 2, inet6: 10, netlink: 16, packet: 17 } as const;

export interface InetAddress {
  readonly family: 'inet';
  readonly address: string;
  readonly port: number;
}

export interface Inet6Address {
  readonly family: 'inet6';
  readonly address: string;
  readonly port: number;
  readonly flowInfo?: number;
  /** Interface index for link-local addresses; 0 otherwise. */
  readonly scopeId?: number;
}

/** struct sockaddr_ll: a link-layer endpoint of a packet socket. */
export interface PacketAddress {
  readonly family: 'packet';
  /** EtherType (host order), e.g. 0x0806 for ARP. */
  readonly protocol: number;
  readonly ifindex: number;
  /** ARPHRD_* hardware type (received frames only; 0 when sending). */
  readonly hardwareType?: number;
  /** PACKET_HOST, PACKET_BROADCAST, ... (received frames only). */
  readonly packetType?: number;
  /** Hardware address, up to 8 bytes. */
  readonly hardwareAddress?: Uint8Array;
}

/** struct sockaddr_nl: a netlink port (0 is the kernel) and multicast group bits. */
export interface NetlinkAddress {
  readonly family: 'netlink';
  readonly portId: number;
  readonly groups: number;
}

export type SocketAddress = InetAddress | Inet6Address | PacketAddress | NetlinkAddress;

const SIZE = { inet: 16, inet6: 28, packet: 20, netlink: 12 } as const;

/** The sockaddr bytes for an address. Throws TypeError on an address that cannot be encoded. */
export function encodeSockaddr(a: SocketAddress): Buffer {
  const b = Buffer.alloc(SIZE[a.family]);
  b.writeUInt16LE(AddressFamily[a.family], 0);
  switch (a.family) {
    case 'inet': {
      b.writeUInt16BE(checkPort(a.port), 2);
      Buffer.from(ipv4Bytes(a.address)).copy(b, 4);
      return b;
    }
    case 'inet6': {
      b.writeUInt16BE(checkPort(a.port), 2);
      b.writeUInt32BE(a.flowInfo ?? 0, 4);
      Buffer.from(ipv6Bytes(a.address)).copy(b, 8);
      b.writeUInt32LE(a.scopeId ?? 0, 24);
      return b;
    }
    case 'packet': {
      b.writeUInt16BE(a.protocol & 0xffff, 2);
      b.writeInt32LE(a.ifindex, 4);
      b.writeUInt16LE(a.hardwareType ?? 0, 8);
      b.writeUInt8(a.packetType ?? 0, 10);
      const hw = a.hardwareAddress ?? new Uint8Array(0);
      if (hw.length > 8) throw new TypeError('a hardware address is at most 8 bytes');
      b.writeUInt8(hw.length, 11);
      Buffer.from(hw).copy(b, 12);
      return b;
    }
    case 'netlink': {
      b.writeUInt32LE(a.portId >>> 0, 4);
      b.writeUInt32LE(a.groups >>> 0, 8);
      return b;
    }
  }
}

/** The address in sockaddr bytes, or undefined for a family or length this module does not know. */
export function decodeSockaddr(b: Uint8Array): SocketAddress | undefined {
  // Read byte by byte, not through a Buffer view of `b`: this runs for every sender of a reply,
  // and a view made per datagram cost more than the decoding (a trace's 24 replies, Node 24).
  if (b.length < 2) return undefined;
  const family = u16le(b, 0);
  if (family === AddressFamily.inet && b.length >= SIZE.inet) {
    return { family: 'inet', address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port: u16be(b, 2) };
  }
  if (family === AddressFamily.inet6 && b.length >= 24) {
    const address = formatIpv6(b, 8);
    const scopeId = b.length >= SIZE.inet6 ? u32le(b, 24) : 0;
    return { family: 'inet6', address, port: u16be(b, 2), flowInfo: u32be(b, 4), scopeId };
  }
  if (family === AddressFamily.packet && b.length >= 12) {
    const len = Math.min(b[11]!, 8, Math.max(0, b.length - 12));
    return {
      family: 'packet',
      protocol: u16be(b, 2),
      ifindex: u32le(b, 4) | 0,
      hardwareType: u16le(b, 8),
      packetType: b[10]!,
      hardwareAddress: Uint8Array.from(b.subarray(12, 12 + len)),
    };
  }
  if (family === AddressFamily.netlink && b.length >= SIZE.netlink) {
    return { family: 'netlink', portId: u32le(b, 4), groups: u32le(b, 8) };
  }
  return undefined;
}

const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32le = (b: Uint8Array, o: number) =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, o: number) =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** The 4 or 16 address bytes of an IP address in text, or a TypeError naming it. */
export function ipBytes(address: string): Uint8Array {
  return parseIpv4(address) ?? ipv6Bytes(address);
}

function ipv4Bytes(address: string): Uint8Array {
  const bytes = parseIpv4(address);
  if (!bytes) throw new TypeError(`not an IPv4 address: ${address}`);
  return bytes;
}

/** An IPv6 zone (`%eth0`) is not part of the address: the scope id carries it. */
function ipv6Bytes(address: string): Uint8Array {
  const percent = address.indexOf('%');
  const bytes = parseIpv6(percent < 0 ? address : address.slice(0, percent));
  if (!bytes) throw new TypeError(`not an IPv6 address: ${address}`);
  return bytes;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff)
    throw new TypeError(`port must be 0 to 65535, not ${port}`);
  return port;
}
