// tcpdump's interface when none is named: the first one that is up and running and not a
// loopback (pcap_findalldevs' order puts those first), else the loopback, else `any`.
import { readdirSync, readFileSync } from 'node:fs';

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;

export interface InterfaceEntry {
  readonly name: string;
  readonly index: number;
  readonly flags: number;
}

/** Every interface in /sys/class/net with its index and flags. */
export function listInterfaces(dir = '/sys/class/net'): InterfaceEntry[] {
  const out: InterfaceEntry[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const index = Number.parseInt(readFileSync(`${dir}/${name}/ifindex`, 'utf8'), 10);
      const flags = Number.parseInt(readFileSync(`${dir}/${name}/flags`, 'utf8'), 16);
      out.push({ name, index, flags });
    } catch {
      // gone since readdir
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

export function defaultInterface(interfaces: readonly InterfaceEntry[]): string {
  const up = (i: InterfaceEntry) => (i.flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
  return (
    interfaces.find((i) => up(i) && (i.flags & IFF_LOOPBACK) === 0)?.name ??
    interfaces.find((i) => up(i))?.name ??
    'any'
  );
}

/** ifindex -> name, read once (tcpdump names SLL2 frames' interfaces by their index). */
export function interfaceNames(
  interfaces: readonly InterfaceEntry[] = listInterfaces(),
): (ifindex: number) => string | undefined {
  const byIndex = new Map(interfaces.map((i) => [i.index, i.name]));
  return (ifindex) => byIndex.get(ifindex);
}
