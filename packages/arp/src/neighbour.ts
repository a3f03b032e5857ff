/**
 * Neighbour states. The exact NUD states (reachable, stale, delay, probe, incomplete, failed,
 * noarp, permanent) come from netlink (RTM_GETNEIGH). /proc/net/arp only says "complete" or
 * "permanent" (the kernel folds states into ATF_COM/ATF_PERM), so that source reports:
 * - `resolved`: one of reachable, stale, delay or probe: there is a usable MAC address;
 * - `unresolved`: incomplete or failed: no MAC address.
 */
export type NudState =
  | 'reachable'
  | 'stale'
  | 'delay'
  | 'probe'
  | 'incomplete'
  | 'failed'
  | 'noarp'
  | 'permanent';
export type NeighbourState = NudState | 'resolved' | 'unresolved';

export interface Neighbour {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly interface: string;
  /** Absent while unresolved (the kernel shows 00:00:00:00:00:00 there). */
  readonly mac?: string;
  readonly state: NeighbourState;
  /** A proxy-ARP entry (`ip neigh add proxy`, ATF_PUBL): answered for, not a neighbour. */
  readonly proxy?: true;
  /** An IPv6 neighbour that said it is a router (NTF_ROUTER; netlink only). */
  readonly router?: true;
}

/** Maps a netlink NUD state onto what /proc/net/arp can tell, for comparing the two sources. */
export function coarseState(state: NeighbourState): 'permanent' | 'resolved' | 'unresolved' | 'noarp' {
  switch (state) {
    case 'permanent':
    case 'noarp':
    case 'resolved':
    case 'unresolved':
      return state;
    case 'reachable':
    case 'stale':
    case 'delay':
    case 'probe':
      return 'resolved';
    case 'incomplete':
    case 'failed':
      return 'unresolved';
  }
}
