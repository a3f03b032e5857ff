/**
 * RFC 1191 section 7's plateau table: the MTUs links are commonly built with. A router that
 * says "fragmentation needed" without the next-hop MTU (RFC 792 routers write 0) gets the next
 * plateau below the size it refused, as RFC 1191 asks of hosts.
 */
export const MTU_PLATEAUS: readonly number[] = [
  65_535, 32_000, 17_914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
];

/** The smallest MTU a link may have: 68 bytes for IPv4 (RFC 791), 1280 for IPv6 (RFC 8200). */
export const MIN_MTU = { 4: 68, 6: 1280 } as const;

/** Where a probe starts: the largest IP datagram, which the kernel cuts to the interface MTU. */
export const START_MTU = 65_535;

/** The largest plateau below `size`, never below the family's minimum MTU. */
export function plateauBelow(size: number, family: 4 | 6): number {
  const below = MTU_PLATEAUS.find((p) => p < size) ?? MIN_MTU[family];
  return Math.max(below, MIN_MTU[family]);
}

/** What shrank the path MTU: a router's ICMP (`from`) or the local kernel (`from` null). */
export interface MtuChange {
  /** The TTL from which on probes are sent at `mtu` (1 for a local limit). */
  readonly ttl: number;
  readonly mtu: number;
  readonly from: string | null;
}

/**
 * Path MTU discovery across the TTLs of one trace, as tracepath does it one hop at a time, made
 * safe for many probes in flight: an error for a probe sent at TTL t ("fragmentation needed",
 * "packet too big", or the kernel's own EMSGSIZE) limits the size of probes at t and beyond, and
 * says nothing of the hops before t. So a probe's size never depends on which replies happened to
 * arrive first, and the MTU shown at a hop is the largest datagram that hop answered.
 *
 * Every limit is strictly below the size it answers (a router's claim of an MTU at or above the
 * size it refused is replaced by the plateau below), and none is below the family minimum: the
 * search ends, and a probe already at the minimum that is refused again is settled as a failure
 * (`shrink` returns undefined).
 */
export class PathMtuSearch {
  readonly family: 4 | 6;
  readonly start: number;
  /** Limits by the TTL they start at: the smallest MTU reported for probes of that TTL. */
  readonly #limits = new Map<number, number>();

  constructor(family: 4 | 6, start: number = START_MTU) {
    if (!Number.isInteger(start) || start < MIN_MTU[family] || start > START_MTU)
      throw new RangeError(`start MTU must be ${MIN_MTU[family]} to ${START_MTU}, not ${start}`);
    this.family = family;
    this.start = start;
  }

  /** The size (IP header included) of the next probe at `ttl`. */
  sizeFor(ttl: number): number {
    let size = this.start;
    for (const [from, mtu] of this.#limits) if (from <= ttl && mtu < size) size = mtu;
    return size;
  }

  /**
   * Records that a probe of `size` bytes at `ttl` was too big, with the MTU the error reported
   * (0 when it gave none). `local` errors come from this host's kernel and limit every TTL.
   * Returns the change, or undefined when nothing smaller is left to try.
   */
  shrink(ttl: number, size: number, reported: number, from: string | null): MtuChange | undefined {
    const min = MIN_MTU[this.family];
    if (size <= min) return undefined;
    const mtu =
      Number.isInteger(reported) && reported > 0 && reported < size
        ? Math.max(reported, min)
        : plateauBelow(size, this.family);
    const at = from === null ? 1 : ttl;
    const was = this.#limits.get(at);
    if (was === undefined || mtu < was) this.#limits.set(at, mtu);
    return { ttl: at, mtu: this.sizeFor(ttl), from };
  }
}
