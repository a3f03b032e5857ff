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
  if (b.length < 2) return undefined;
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const family = v.readUInt16LE(0);
  if (family === AddressFamily.inet && v.length >= SIZE.inet) {
    return { family: 'inet', address: `${v[4]}.${v[5]}.${v[6]}.${v[7]}`, port: v.readUInt16BE(2) };
  }
  if (family === AddressFamily.inet6 && v.length >= 24) {
    const address = formatIpv6(v, 8);
    const scopeId = v.length >= SIZE.inet6 ? v.readUInt32LE(24) : 0;
    return { family: 'inet6', address, port: v.readUInt16BE(2), flowInfo: v.readUInt32BE(4), scopeId };
  }
  if (family === AddressFamily.packet && v.length >= 12) {
    const len = Math.min(v[11]!, 8, Math.max(0, v.length - 12));
    return {
      family: 'packet',
      protocol: v.readUInt16BE(2),
      ifindex: v.readInt32LE(4),
      hardwareType: v.readUInt16LE(8),
      packetType: v[10]!,
      hardwareAddress: Uint8Array.from(v.subarray(12, 12 + len)),
    };
  }
  if (family === AddressFamily.netlink && v.length >= SIZE.netlink) {
    return { family: 'netlink', portId: v.readUInt32LE(4), groups: v.readUInt32LE(8) };
  }
  return undefined;
}

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
