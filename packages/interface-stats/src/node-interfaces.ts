import { Iff } from './flags.js';
import type { Ipv4Address, Link } from './types.js';

/** The shape of os.networkInterfaces(), narrowed to what is read (kept structural for fixtures). */
export type NodeInterfaceTable = Readonly<
  Record<
    string,
    readonly { address: string; netmask: string; family: string | number; cidr: string | null }[] | undefined
  >
>;

/**
 * IPv4 addresses from Node's getifaddrs (libuv uv_interface_addresses). Keys are IPv4 labels
 * (`eth0` or an alias label `eth0:1`); each is given to the link whose name it equals, else the
 * link whose name it starts with followed by ':' (the kernel requires labels to begin so).
 * Returns addresses by interface index.
 */
export function ipv4FromNodeInterfaces(
  table: NodeInterfaceTable,
  links: readonly Link[],
): Map<number, Ipv4Address[]> {
  const byName = new Map(links.map((l) => [l.name, l]));
  const out = new Map<number, Ipv4Address[]>();
  for (const [label, entries] of Object.entries(table)) {
    const link = byName.get(label) ?? linkForLabel(label, links);
    if (link === undefined || entries === undefined) continue;
    for (const e of entries) {
      if (e.family !== 'IPv4' && e.family !== 4) continue;
      const prefixLength =
        e.cidr !== null ? Number(e.cidr.slice(e.cidr.lastIndexOf('/') + 1)) : maskLength(e.netmask);
      if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) continue;
      const list = out.get(link.index) ?? [];
      list.push({
        family: 'inet',
        address: e.address,
        prefixLength,
        scope: e.address.startsWith('127.') ? 'host' : 'global',
        label,
      });
      out.set(link.index, list);
    }
  }
  return out;
}

function linkForLabel(label: string, links: readonly Link[]): Link | undefined {
  let best: Link | undefined;
  for (const l of links) {
    if (label.startsWith(`${l.name}:`) && (best === undefined || l.name.length > best.name.length)) best = l;
  }
  return best;
}

function maskLength(mask: string): number {
  const bits = mask.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  let n = 0;
  for (let b = 31; b >= 0 && bits & (2 ** b); b--) n++;
  return n;
}

/**
 * Whether getifaddrs as libuv filters it shows this link's addresses: libuv drops every entry of
 * a link that is not both UP and RUNNING (uv__ifaddr_exclude), so those links' IPv4 addresses
 * are unknown from this source, not absent.
 */
export function nodeInterfacesCover(link: Link): boolean {
  return (link.flagBits & Iff.UP) !== 0 && (link.flagBits & Iff.RUNNING) !== 0;
}
