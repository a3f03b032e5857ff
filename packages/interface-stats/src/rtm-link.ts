import {
  attributeString,
  decodeAttributes,
  NetlinkDecodeError,
  type NetlinkMessage,
  type NetlinkSocket,
  netlinkDumpDecoded,
} from './netlink.js';

export const RtmLink = { New: 16, Get: 18 } as const;
const IFLA_IFNAME = 3;

/** The index and name of an RTM_NEWLINK (struct ifinfomsg + attributes); undefined for other types. */
export function decodeRtmLinkName(m: NetlinkMessage): { ifindex: number; name: string } | undefined {
  if (m.type !== RtmLink.New) return undefined;
  const p = m.payload;
  if (p.length < 16) throw new NetlinkDecodeError(`ifinfomsg needs 16 bytes, got ${p.length}`);
  const ifindex = new DataView(p.buffer, p.byteOffset, p.byteLength).getInt32(4, true);
  const name = decodeAttributes(p.subarray(16)).get(IFLA_IFNAME);
  if (name === undefined) throw new NetlinkDecodeError(`link ${ifindex} without IFLA_IFNAME`);
  return { ifindex, name: attributeString(name) };
}

/** The RTM_GETLINK dump request payload: an ifinfomsg for every family. */
export const getLinkRequest = new Uint8Array(16);

/**
 * Interface names by index, from the kernel of the socket's namespace (not /sys, which shows the
 * namespace it was mounted in): what neighbour and route dumps name by index only.
 */
export async function dumpLinkNames(socket: NetlinkSocket): Promise<Map<number, string>> {
  const links = await netlinkDumpDecoded(socket, RtmLink.Get, getLinkRequest, decodeRtmLinkName);
  return new Map(links.map((l) => [l.ifindex, l.name]));
}
