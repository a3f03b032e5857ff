import {
  decodeAttributes,
  decodeIpAttribute,
  dumpLinkNames,
  NetlinkDecodeError,
  type NetlinkMessage,
  type NetlinkSocket,
  netlinkDumpDecoded,
  RtFamily,
} from '@netdiag/interface-stats';
import { formatMac } from './mac.js';
import type { Neighbour, NudState } from './neighbour.js';
import type { NeighbourSource } from './read.js';

export const RtmNeigh = { New: 28, Get: 30 } as const;
const NDA_DST = 1;
const NDA_LLADDR = 2;
const AF_INET = RtFamily.Inet;
const AF_INET6 = RtFamily.Inet6;
const NTF_PROXY = 0x08;
const NTF_ROUTER = 0x80;

const nudStates: readonly (readonly [number, NudState])[] = [
  [0x80, 'permanent'],
  [0x40, 'noarp'],
  [0x02, 'reachable'],
  [0x04, 'stale'],
  [0x08, 'delay'],
  [0x10, 'probe'],
  [0x20, 'failed'],
  [0x01, 'incomplete'],
];

export interface NetlinkNeighbour {
  readonly ifindex: number;
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly mac?: string;
  /** undefined for NUD_NONE (an entry being created). */
  readonly state: NudState | undefined;
  readonly router: boolean;
  readonly proxy: boolean;
}

/** Decodes an RTM_NEWNEIGH (struct ndmsg + attributes); undefined for other families (bridge FDB). */
export function decodeRtmNeigh(m: NetlinkMessage): NetlinkNeighbour | undefined {
  if (m.type !== RtmNeigh.New) return undefined;
  const p = m.payload;
  if (p.length < 12) throw new NetlinkDecodeError(`ndmsg needs 12 bytes, got ${p.length}`);
  const family = p[0]!;
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const ifindex = v.getInt32(4, true);
  const stateBits = v.getUint16(8, true);
  const flags = p[10]!;
  const attrs = decodeAttributes(p.subarray(12));
  const dst = attrs.get(NDA_DST);
  const want = family === AF_INET ? 4 : 16;
  if (dst === undefined || dst.length !== want)
    throw new NetlinkDecodeError(`neighbour without a ${want}-byte NDA_DST`);
  const address = decodeIpAttribute(dst, family);
  const ll = attrs.get(NDA_LLADDR);
  return {
    ifindex,
    family: family === AF_INET ? 'inet' : 'inet6',
    address,
    ...(ll !== undefined && ll.length === 6 ? { mac: formatMac(ll) } : {}),
    state: nudStates.find(([bit]) => stateBits & bit)?.[1],
    router: (flags & NTF_ROUTER) !== 0,
    proxy: (flags & NTF_PROXY) !== 0,
  };
}

/** The RTM_GETNEIGH dump request payload: an ndmsg for every family. */
export const getNeighRequest = new Uint8Array(12);

/**
 * The complete neighbour source: IPv4 and IPv6, exact NUD states. Interface names come from an
 * RTM_GETLINK dump over the same socket (the kernel of the socket's namespace), or from `names`
 * (readLinks() from @netdiag/interface-stats gives them). NOARP entries (multicast mappings) are
 * left out, as `ip neigh` does, unless `includeNoarp`.
 */
export function netlinkNeighbourSource(
  socket: NetlinkSocket,
  names?: () => ReadonlyMap<number, string> | Promise<ReadonlyMap<number, string>>,
  options: { includeNoarp?: boolean } = {},
): NeighbourSource {
  return {
    async read() {
      const entries = await netlinkDumpDecoded(socket, RtmNeigh.Get, getNeighRequest, decodeRtmNeigh);
      // Names after neighbours: an interface created in between is named, not shown as if<N>.
      const byIndex = await (names ?? (() => dumpLinkNames(socket)))();
      const neighbours: Neighbour[] = [];
      for (const n of entries) {
        // NUD_NONE entries are being set up, NOARP ones are multicast and broadcast mappings:
        // `ip neigh` (and /proc/net/arp) leave both out unless asked.
        if (n.state === undefined || n.proxy) continue;
        if (n.state === 'noarp' && !options.includeNoarp) continue;
        neighbours.push({
          family: n.family,
          address: n.address,
          interface: byIndex.get(n.ifindex) ?? `if${n.ifindex}`,
          ...(n.mac !== undefined && n.state !== 'incomplete' && n.state !== 'failed' ? { mac: n.mac } : {}),
          state: n.state,
          ...(n.router ? { router: true as const } : {}),
        });
      }
      return { neighbours, missing: [], exactStates: true };
    },
  };
}
