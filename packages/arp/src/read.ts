import { readFileSync } from 'node:fs';
import type { Neighbour } from './neighbour.js';
import { parseProcNetArp } from './proc-net-arp.js';

/** What a neighbour source could and could not see. */
export interface NeighbourTable {
  readonly neighbours: readonly Neighbour[];
  /** Families this source cannot read at all (and why), so that callers never show "empty". */
  readonly missing: readonly { readonly family: 'inet' | 'inet6'; readonly reason: string }[];
  /** Whether states are exact NUD states or the /proc/net/arp folding (resolved/unresolved). */
  readonly exactStates: boolean;
}

/**
 * Where the table comes from: `netlinkNeighbourSource` (RTM_GETNEIGH: both families, exact
 * states) over a NETLINK_ROUTE socket, or `procNeighbourSource` (/proc/net/arp: IPv4 only,
 * folded states) where no netlink socket can be opened. Passed to `readNeighbours({ source })`.
 */
export interface NeighbourSource {
  read(): Promise<NeighbourTable>;
}

export const ipv6NeighboursMissing =
  'needs netlink (RTM_GETNEIGH): Linux has no /proc file for them, and Node cannot open a netlink socket without a native addon';

/**
 * The IPv4 table from /proc/net/arp. `ipv6Reason` says why IPv6 is missing: the caller knows
 * why its netlink socket could not be opened.
 */
export function procNeighbourSource(
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ipv6Reason: string = ipv6NeighboursMissing,
): NeighbourSource {
  return {
    async read() {
      return {
        neighbours: parseProcNetArp(readFile('/proc/net/arp')),
        missing: [{ family: 'inet6', reason: ipv6Reason }],
        exactStates: false,
      };
    },
  };
}

export function readNeighbours(options: { source?: NeighbourSource } = {}): Promise<NeighbourTable> {
  return (options.source ?? procNeighbourSource()).read();
}
