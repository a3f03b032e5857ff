import { describe, expect, it } from 'vitest';
import type { EngineConfig } from './config.js';
import { type PlannedProbe, type ProbeOutcome, TraceEngine } from './engine.js';
import { PathMtuSearch, plateauBelow } from './mtu-search.js';
import type { ProbeResponse } from './types.js';

const ms = (n: number) => BigInt(Math.round(n * 1e6));

function config(family: 4 | 6, over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    firstTtl: 1,
    maxTtl: 10,
    queriesPerHop: 3,
    maxInFlight: 16,
    mode: 'classic',
    waitMs: 500,
    waitHere: 0,
    waitNear: 0,
    cycles: undefined,
    roundIntervalMs: 1000,
    flows: 1,
    pathMtu: { family },
    ...over,
  };
}

/** One router of a scripted path, and the link it forwards onto. */
interface Router {
  /** MTU of the link after this router (towards the destination). */
  readonly nextMtu: number;
  /** What it says when a datagram is too big for that link: the MTU, 0 (RFC 792), or nothing. */
  readonly tooBig?: 'mtu' | 'zero' | 'silent';
  /** Sends no time exceeded (traceroute's `*`). */
  readonly silent?: boolean;
  /** Sends none in rounds before this one (continuous mode): a hop heard from late. */
  readonly answersFromRound?: number;
}

interface Path {
  readonly family: 4 | 6;
  /** The interface MTU, and whether the kernel's EMSGSIZE says it (the native backend) or not. */
  readonly interfaceMtu: number;
  readonly localMtuKnown?: boolean;
  /** Routers at TTL 1..n; the destination is at TTL n + 1. */
  readonly routers: readonly Router[];
}

const addressOf = (ttl: number) => `198.51.100.${ttl}`;

/**
 * Runs the engine against a scripted path on a virtual clock. Replies come back after 1 ms per
 * hop, so a deeper hop's "too big" can overtake a nearer hop's time exceeded only where the
 * script says so (`reorder`: replies from TTL >= 2 come first).
 */
function run(path: Path, over: Partial<EngineConfig> = {}, reorder = false) {
  const engine = new TraceEngine(config(path.family, over));
  const outcomes: ProbeOutcome[] = [];
  const due: { at: bigint; r: ProbeResponse }[] = [];
  const destinationTtl = path.routers.length + 1;
  let now = 0n;
  const settle = (o: ProbeOutcome | undefined) => {
    if (o) outcomes.push(o);
  };
  const respond = (p: PlannedProbe, hopTtl: number, r: Partial<ProbeResponse>) => {
    const delay = reorder ? (hopTtl === 1 ? 5 : 1) : hopTtl;
    due.push({
      at: now + ms(delay),
      r: {
        probeId: p.id,
        kind: 'time-exceeded',
        responder: addressOf(hopTtl),
        icmpType: 11,
        icmpCode: 0,
        mark: '',
        mpls: [],
        responseTtl: 64,
        receivedAt: now + ms(delay),
        ...r,
      },
    });
  };
  const transmit = (p: PlannedProbe) => {
    const size = p.size!;
    if (size > path.interfaceMtu) {
      settle(engine.sendFailed(p.id, 'EMSGSIZE', path.localMtuKnown === false ? 0 : path.interfaceMtu));
      return;
    }
    engine.sent(p.id, now);
    for (let hop = 1; hop <= destinationTtl; hop++) {
      if (hop === destinationTtl) return respond(p, hop, { kind: 'reached', icmpType: 0 });
      const router = path.routers[hop - 1]!;
      if (p.ttl === hop) {
        if (!router.silent && p.round >= (router.answersFromRound ?? 0)) respond(p, hop, {});
        return;
      }
      if (size > router.nextMtu) {
        if (router.tooBig === 'silent') return;
        const mtu = router.tooBig === 'zero' ? 0 : router.nextMtu;
        return respond(p, hop, {
          kind: 'unreachable',
          mark: '!F',
          icmpType: path.family === 4 ? 3 : 2,
          icmpCode: path.family === 4 ? 4 : 0,
          nextHopMtu: mtu,
        });
      }
    }
  };
  while (!engine.done && now < ms(60_000)) {
    for (const p of engine.take(now)) transmit(p);
    due.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    while (due.length > 0 && due[0]!.at <= now) settle(engine.response(due.shift()!.r));
    for (const o of engine.expire(now)) outcomes.push(o);
    now += ms(0.5);
  }
  return { engine, outcomes, hops: engine.hops(), done: engine.done };
}

const pmtus = (hops: readonly { pmtu?: number }[]) => hops.map((h) => h.pmtu ?? null);
const link = (nextMtu: number, more: Partial<Router> = {}): Router => ({ nextMtu, tooBig: 'mtu', ...more });

describe('path MTU search in the engine', () => {
  it('shrinks on fragmentation needed with the next-hop MTU, hop by hop (IPv4)', () => {
    const r = run({ family: 4, interfaceMtu: 1500, routers: [link(1400), link(1280)] });
    expect(r.done).toBe(true);
    expect(pmtus(r.hops)).toEqual([1500, 1400, 1280]);
    expect(r.hops.at(-1)!.reachedDestination).toBe(true);
    // Too-big probes were sent again, not counted lost: every hop answered all three.
    expect(r.hops.map((h) => [h.sent, h.received])).toEqual([
      [3, 3],
      [3, 3],
      [3, 3],
    ]);
    const changes = r.outcomes.flatMap((o) => (o.type === 'too-big' ? [o.change] : []));
    expect(changes).toContainEqual({ ttl: 1, mtu: 1500, from: null });
    expect(changes).toContainEqual({ ttl: 2, mtu: 1400, from: addressOf(1) });
    expect(changes).toContainEqual({ ttl: 3, mtu: 1280, from: addressOf(2) });
  });

  it('steps down the RFC 1191 plateaus when a router gives no next-hop MTU', () => {
    const r = run({ family: 4, interfaceMtu: 1500, routers: [link(1400, { tooBig: 'zero' }), link(1400)] });
    // 1500 refused without a size: 1492; refused again: 1006, which passes the 1400 link.
    expect(pmtus(r.hops)).toEqual([1500, 1006, 1006]);
    expect(r.hops.at(-1)!.reachedDestination).toBe(true);
  });

  it('replaces a next-hop MTU at or above the refused size by the plateau below it', () => {
    const search = new PathMtuSearch(4);
    expect(search.shrink(2, 1500, 1500, '192.0.2.1')).toEqual({ ttl: 2, mtu: 1492, from: '192.0.2.1' });
    expect(search.shrink(2, 1492, 9000, '192.0.2.1')?.mtu).toBe(1006);
    expect(search.sizeFor(1)).toBe(65_535);
    expect(search.sizeFor(5)).toBe(1006);
  });

  it('shrinks on ICMPv6 packet too big, never below 1280', () => {
    const r = run({ family: 6, interfaceMtu: 1500, routers: [link(1400), link(1280)] });
    expect(pmtus(r.hops)).toEqual([1500, 1400, 1280]);
    const search = new PathMtuSearch(6);
    // A packet too big below the IPv6 minimum is taken as 1280 (RFC 8201 section 4).
    expect(search.shrink(3, 1500, 1000, '2001:db8::1')?.mtu).toBe(1280);
    // At the minimum there is nothing smaller to try: the probe settles as an unreachable.
    expect(search.shrink(3, 1280, 1000, '2001:db8::1')).toBeUndefined();
  });

  it("takes the interface MTU from the kernel's local EMSGSIZE, or steps plateaus without it", () => {
    const known = run({ family: 4, interfaceMtu: 9000, routers: [link(9000)] });
    expect(pmtus(known.hops)).toEqual([9000, 9000]);
    const unknown = run({ family: 4, interfaceMtu: 1500, localMtuKnown: false, routers: [link(1500)] });
    // 65535 -> 32000 -> 17914 -> 8166 -> 4352 -> 2002 -> 1492: the first plateau that leaves.
    expect(pmtus(unknown.hops)).toEqual([1492, 1492]);
    const changes = unknown.outcomes.flatMap((o) => (o.type === 'too-big' ? [o.change.mtu] : []));
    expect([...new Set(changes)]).toEqual([32_000, 17_914, 8166, 4352, 2002, 1492]);
  });

  it('goes on past a router that never answers, and ends where a black hole swallows big probes', () => {
    // The router at TTL 2 sends no time exceeded: its hop is all `*`, the search goes on past it.
    const silent = run({
      family: 4,
      interfaceMtu: 1500,
      routers: [link(1500), link(1280, { silent: true }), link(1280)],
    });
    expect(silent.done).toBe(true);
    expect(silent.hops[1]!.received).toBe(0);
    expect(pmtus(silent.hops)).toEqual([1500, null, 1280, 1280]);
    // The router at TTL 1 drops what does not fit its next link and says nothing (a PMTU black
    // hole): probes beyond it time out, as tracepath's do, and the trace still ends.
    const hole = run({ family: 4, interfaceMtu: 1500, routers: [link(1400, { tooBig: 'silent' })] });
    expect(hole.done).toBe(true);
    expect(pmtus(hole.hops.slice(0, 1))).toEqual([1500]);
    expect(hole.hops.slice(1).every((h) => h.received === 0 && h.pmtu === undefined)).toBe(true);
  });

  it("a deeper hop's too big arriving first does not shrink the hops before it", () => {
    const r = run({ family: 4, interfaceMtu: 1500, routers: [link(1400), link(1280)] }, {}, true);
    expect(pmtus(r.hops)).toEqual([1500, 1400, 1280]);
    // The first hop says nothing in the first round, while the routers beyond it refuse big
    // probes: its later probes are still sized for the path up to it, not beyond.
    const late = run(
      { family: 4, interfaceMtu: 1500, routers: [link(1400, { answersFromRound: 1 }), link(1280)] },
      { mode: 'continuous', cycles: 3, roundIntervalMs: 50 },
    );
    expect(late.hops[0]!.received).toBe(2);
    expect(pmtus(late.hops)).toEqual([1500, 1400, 1280]);
  });

  it('keeps the per-hop MTU across rounds in continuous mode', () => {
    const r = run(
      { family: 6, interfaceMtu: 1500, routers: [link(1400), link(1280)] },
      { mode: 'continuous', cycles: 3, roundIntervalMs: 50 },
    );
    expect(pmtus(r.hops)).toEqual([1500, 1400, 1280]);
    expect(r.hops.map((h) => h.received)).toEqual([3, 3, 3]);
  });

  it('without path MTU discovery, a too big ends the trace as !F and probes carry no size', () => {
    const { pathMtu: _, ...fixedSize } = config(4);
    const engine = new TraceEngine(fixedSize);
    const [p] = engine.take(0n);
    expect(p!.size).toBeUndefined();
    engine.sent(p!.id, 0n);
    const o = engine.response({
      probeId: p!.id,
      kind: 'unreachable',
      responder: addressOf(1),
      icmpType: 3,
      icmpCode: 4,
      mark: '!F',
      mpls: [],
      responseTtl: 64,
      receivedAt: ms(1),
      nextHopMtu: 1400,
    });
    expect(o?.type).toBe('reply');
    expect(engine.destinationTtl).toBe(1);
  });

  it('sends one probe until the start size is known to leave, then fills the window', () => {
    const engine = new TraceEngine(config(4));
    const first = engine.take(0n);
    expect(first.map((p) => p.size)).toEqual([65_535]);
    expect(engine.take(0n)).toEqual([]);
    // The kernel refuses it and says the interface MTU: the window opens at that size.
    expect(engine.sendFailed(first[0]!.id, 'EMSGSIZE', 1500)).toMatchObject({ type: 'too-big' });
    const next = engine.take(0n);
    expect(next).toHaveLength(16);
    expect(new Set(next.map((p) => p.size))).toEqual(new Set([1500]));
  });

  it('plateaus', () => {
    expect(plateauBelow(1500, 4)).toBe(1492);
    expect(plateauBelow(1492, 4)).toBe(1006);
    expect(plateauBelow(296, 4)).toBe(68);
    expect(plateauBelow(1492, 6)).toBe(1280);
  });
});
