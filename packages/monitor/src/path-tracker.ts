/**
 * Per-hop accounting of a continuous trace (mtr rounds) and path-change counting, as a state
 * machine fed probe outcomes: no sockets, tests drive it by hand.
 *
 * A path change is a round in which some hop answers from a responder not seen at that hop in
 * the last KNOWN_ROUNDS rounds: a new set of responders. A load balancer's siblings (ECMP)
 * keep answering within that window, so alternating between known siblings changes nothing; a
 * route that moves to other routers does. At most one change is counted per round, and none in
 * the first WARMUP_ROUNDS (the siblings are still being learnt).
 */
export const KNOWN_ROUNDS = 30;
export const WARMUP_ROUNDS = 3;

export interface HopCounters {
  requests: number;
  responses: number;
  rttSum: number;
  lastRtt: number;
  /** Responders at this hop with the round each was last seen in (bounded: see MAX_RESPONDERS). */
  readonly seen: Map<string, number>;
}

/** Responders remembered per hop: bounded against a hostile or flapping path. */
export const MAX_RESPONDERS = 16;

export class PathTracker {
  readonly hops: HopCounters[] = [];
  pathChanges = 0;
  /** Hop count to the destination in the last round that reached it; -1 before. */
  destinationHops = -1;
  private round = -1;
  private rounds = 0;
  private changedThisRound = false;
  private reachedAt = Number.POSITIVE_INFINITY;

  constructor(readonly maxHops: number) {}

  /** One probe's outcome: `responder` null when it timed out. */
  probe(
    round: number,
    ttl: number,
    responder: string | null,
    rttSeconds: number | null,
    reached: boolean,
  ): void {
    if (ttl < 1 || ttl > this.maxHops) return;
    if (round !== this.round) this.startRound(round);
    const hop = this.hop(ttl);
    hop.requests++;
    if (responder === null) return;
    hop.responses++;
    if (rttSeconds !== null) {
      hop.rttSum += rttSeconds;
      hop.lastRtt = rttSeconds;
    }
    if (reached) this.reachedAt = Math.min(this.reachedAt, ttl);
    const last = hop.seen.get(responder);
    const known = last !== undefined && this.round - last <= KNOWN_ROUNDS;
    if (!known && this.rounds > WARMUP_ROUNDS && !this.changedThisRound) {
      this.pathChanges++;
      this.changedThisRound = true;
    }
    hop.seen.delete(responder);
    hop.seen.set(responder, this.round);
    if (hop.seen.size > MAX_RESPONDERS) hop.seen.delete(hop.seen.keys().next().value!);
  }

  /** The hops that have seen a probe, 1-based by index + 1. */
  get hopCount(): number {
    return this.hops.length;
  }

  private startRound(round: number): void {
    if (this.reachedAt !== Number.POSITIVE_INFINITY) this.destinationHops = this.reachedAt;
    this.reachedAt = Number.POSITIVE_INFINITY;
    this.round = round;
    this.rounds++;
    this.changedThisRound = false;
  }

  private hop(ttl: number): HopCounters {
    while (this.hops.length < ttl)
      this.hops.push({ requests: 0, responses: 0, rttSum: 0, lastRtt: Number.NaN, seen: new Map() });
    return this.hops[ttl - 1]!;
  }
}
