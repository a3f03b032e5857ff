import { performance } from 'node:perf_hooks';
import { parseIfInet6 } from './if-inet6.js';
import { ipv4FromNodeInterfaces, nodeInterfacesCover } from './node-interfaces.js';
import { parseProcNetDev } from './proc-net-dev.js';
import type { CounterSnapshot } from './rates.js';
import { parseSysfsLink, type SysfsLinkContents, sysfsLinkFiles } from './sysfs-link.js';
import { nodeSystem, type SystemFiles } from './system.js';
import type { Counters, Interface, InterfaceAddress, Link } from './types.js';

/**
 * Where addresses come from. The built-in source reads IPv6 from /proc/net/if_inet6 (complete)
 * and IPv4 from getifaddrs via os.networkInterfaces() (incomplete: see ipv4Complete). A netlink
 * (RTM_GETADDR) source, which sees everything with exact scopes and flags, implements the same
 * interface once a native socket exists; callers then pass it as `addresses`.
 */
export interface AddressSource {
  read(links: readonly Link[]): Promise<{
    readonly byIndex: ReadonlyMap<number, readonly InterfaceAddress[]>;
    /** Whether `byIndex` holds every IPv4 address of this link. */
    readonly ipv4Complete: (link: Link) => boolean;
  }>;
}

export interface ReadOptions {
  readonly system?: SystemFiles;
  readonly addresses?: AddressSource;
  /** Read counters too (one read of /proc/net/dev). Default true. */
  readonly counters?: boolean;
}

const sysClassNet = '/sys/class/net';

/** Every link in this network namespace, from /sys/class/net, in ifindex order. */
export function readLinks(system: SystemFiles = nodeSystem): Link[] {
  const links: Link[] = [];
  for (const name of system.listDir(sysClassNet)) {
    // A link can vanish between the listing and the reads: skip it rather than fail the lot.
    const ifindex = system.readFile(`${sysClassNet}/${name}/ifindex`);
    if (ifindex === undefined) continue;
    const files: SysfsLinkContents = { ifindex };
    for (const f of sysfsLinkFiles)
      if (f !== 'ifindex') files[f] = system.readFile(`${sysClassNet}/${name}/${f}`);
    links.push(parseSysfsLink(name, files));
  }
  return links.sort((a, b) => a.index - b.index);
}

/** Counters of every interface by name, from one read of /proc/net/dev. */
export function readCounters(system: SystemFiles = nodeSystem): Map<string, Counters> {
  const text = system.readFile('/proc/net/dev');
  return text === undefined ? new Map() : parseProcNetDev(text);
}

export function procAddressSource(system: SystemFiles = nodeSystem): AddressSource {
  return {
    async read(links) {
      const byIndex = ipv4FromNodeInterfaces(system.networkInterfaces(), links) as Map<
        number,
        InterfaceAddress[]
      >;
      const v6 = system.readFile('/proc/net/if_inet6');
      for (const entry of v6 === undefined ? [] : parseIfInet6(v6)) {
        const list = byIndex.get(entry.ifindex) ?? [];
        list.push(entry.address);
        byIndex.set(entry.ifindex, list);
      }
      return { byIndex, ipv4Complete: nodeInterfacesCover };
    },
  };
}

/** Every interface with its addresses (and counters): the content of `ip addr` plus `ip -s link`. */
export async function readInterfaces(options: ReadOptions = {}): Promise<Interface[]> {
  const system = options.system ?? nodeSystem;
  const links = readLinks(system);
  const { byIndex, ipv4Complete } = await (options.addresses ?? procAddressSource(system)).read(links);
  const counters = options.counters === false ? undefined : readCounters(system);
  return links.map((link) => {
    const c = counters?.get(link.name);
    return {
      ...link,
      addresses: sortAddresses(byIndex.get(link.index) ?? []),
      ipv4Complete: ipv4Complete(link),
      ...(c !== undefined ? { counters: c } : {}),
    };
  });
}

const scopeRank = { global: 0, site: 1, link: 2, host: 3 } as const;

/**
 * IPv4 before IPv6 as in `ip addr`. IPv4 keeps the source's order (primary before secondaries);
 * /proc/net/if_inet6 is in hash order, so IPv6 is sorted: global before link scope, then address.
 */
function sortAddresses(list: readonly InterfaceAddress[]): InterfaceAddress[] {
  return [...list].sort((a, b) => {
    if (a.family !== b.family) return a.family === 'inet' ? -1 : 1;
    if (a.family === 'inet') return 0;
    return (
      scopeRank[a.scope] - scopeRank[b.scope] || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
    );
  });
}

/**
 * One counter snapshot for the sampler: /proc/net/dev plus each interface's index (so that a
 * link deleted and created again under the same name is not read as a counter reset).
 */
export function readCounterSnapshot(
  system: SystemFiles = nodeSystem,
  now: () => number = () => performance.now(),
): CounterSnapshot {
  const counters = readCounters(system);
  const atMs = now();
  const interfaces = new Map<string, { index?: number; counters: Counters }>();
  for (const [name, c] of counters) {
    const index = Number.parseInt(system.readFile(`${sysClassNet}/${name}/ifindex`) ?? '', 10);
    interfaces.set(name, Number.isInteger(index) ? { index, counters: c } : { counters: c });
  }
  return { atMs, interfaces };
}
