import { ipv6FlagNames } from './if-inet6.js';
import {
  attributeString,
  attributeU32,
  decodeAttributes,
  decodeIpAttribute,
  NetlinkDecodeError,
  type NetlinkMessage,
  type NetlinkSocket,
  netlinkDumpDecoded,
  RtFamily,
} from './netlink.js';
import type { AddressSource } from './read.js';
import type { AddressScope, InterfaceAddress, Ipv4AddressFlag } from './types.js';

export const RtmType = { NewAddr: 20, GetAddr: 22 } as const;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_FLAGS = 8;
const AF_INET = RtFamily.Inet;
const AF_INET6 = RtFamily.Inet6;

/** One RTM_NEWADDR: the address with everything netlink says about it. */
export interface NetlinkAddress {
  readonly ifindex: number;
  readonly address: InterfaceAddress;
  /** IPv4: the peer of a point-to-point address, when it differs from the local one. */
  readonly peer?: string;
  readonly broadcast?: string;
  /** All IFA_F_* bits (IFA_FLAGS, 32 bits; the header's 8 otherwise). */
  readonly flagBits: number;
}

const v4Flags: readonly (readonly [number, Ipv4AddressFlag])[] = [
  [0x01, 'secondary'],
  [0x20, 'deprecated'],
  [0x80, 'permanent'],
  [0x200, 'noprefixroute'],
  [0x400, 'autojoin'],
];

function scopeOf(rtScope: number): AddressScope {
  // RT_SCOPE_UNIVERSE 0, SITE 200, LINK 253, HOST 254 (NOWHERE 255 is not an address scope).
  return rtScope === 254 ? 'host' : rtScope === 253 ? 'link' : rtScope === 200 ? 'site' : 'global';
}

/** Decodes an RTM_NEWADDR (struct ifaddrmsg + attributes); undefined for families other than IPv4/IPv6. */
export function decodeRtmAddr(m: NetlinkMessage): NetlinkAddress | undefined {
  if (m.type !== RtmType.NewAddr) return undefined;
  if (m.payload.length < 8) throw new NetlinkDecodeError(`ifaddrmsg needs 8 bytes, got ${m.payload.length}`);
  const p = m.payload;
  const family = p[0]!;
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const prefixLength = p[1]!;
  const headerFlags = p[2]!;
  const scope = scopeOf(p[3]!);
  const ifindex = new DataView(p.buffer, p.byteOffset + 4, 4).getUint32(0, true);
  const attrs = decodeAttributes(p.subarray(8));
  const flagBits = attrs.has(IFA_FLAGS) ? (attributeU32(attrs.get(IFA_FLAGS)!) ?? headerFlags) : headerFlags;
  const localBytes = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (localBytes === undefined) throw new NetlinkDecodeError('RTM_NEWADDR without IFA_LOCAL or IFA_ADDRESS');
  const local = decodeIpAttribute(localBytes, family);
  const peerBytes = attrs.has(IFA_LOCAL) ? attrs.get(IFA_ADDRESS) : undefined;
  const peer = peerBytes !== undefined ? decodeIpAttribute(peerBytes, family) : undefined;
  const broadcast = attrs.has(IFA_BROADCAST)
    ? decodeIpAttribute(attrs.get(IFA_BROADCAST)!, family)
    : undefined;
  const maxPrefix = family === AF_INET ? 32 : 128;
  if (prefixLength > maxPrefix)
    throw new NetlinkDecodeError(`prefix length ${prefixLength} for family ${family}`);
  const address: InterfaceAddress =
    family === AF_INET
      ? {
          family: 'inet',
          address: local,
          prefixLength,
          scope,
          label: attrs.has(IFA_LABEL) ? attributeString(attrs.get(IFA_LABEL)!) : '',
          flags: v4Flags.filter(([b]) => flagBits & b).map(([, n]) => n),
        }
      : {
          family: 'inet6',
          address: local,
          prefixLength,
          scope,
          flags: ipv6FlagNames(flagBits),
        };
  return {
    ifindex,
    address,
    ...(peer !== undefined && peer !== local ? { peer } : {}),
    ...(broadcast !== undefined ? { broadcast } : {}),
    flagBits,
  };
}

/** The RTM_GETADDR dump request payload: an ifaddrmsg for every family. */
export const getAddrRequest = new Uint8Array(8);

/** Every address of every interface, from one netlink dump. */
export async function dumpAddresses(socket: NetlinkSocket): Promise<NetlinkAddress[]> {
  return netlinkDumpDecoded(socket, RtmType.GetAddr, getAddrRequest, decodeRtmAddr);
}

/**
 * The complete address source: IPv4 and IPv6 of every link, up or down, with exact scopes and
 * labels. Use it as `readInterfaces({ addresses: netlinkAddressSource(socket) })`.
 */
export function netlinkAddressSource(socket: NetlinkSocket): AddressSource {
  return {
    async read() {
      const byIndex = new Map<number, InterfaceAddress[]>();
      for (const a of await dumpAddresses(socket)) {
        const list = byIndex.get(a.ifindex) ?? [];
        list.push(a.address);
        byIndex.set(a.ifindex, list);
      }
      return { byIndex, ipv4Complete: () => true };
    },
  };
}
