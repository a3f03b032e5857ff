import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaults, type EngineConfig, WAIT_PRECISION_MS } from './config.js';
import { distanceFromAnswer, type PlannedProbe, TraceEngine } from './engine.js';
import type { ProbeResponse, ResponseKind } from './types.js';

const ms = (n: number) => BigInt(Math.round(n * 1e6));

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    firstTtl: 1,
    maxTtl: 30,
    queriesPerHop: 3,
    maxInFlight: 16,
    mode: 'classic',
    waitMs: 5000,
    waitHere: 3,
    waitNear: 10,
    cycles: undefined,
    roundIntervalMs: 1000,
    flows: 1,
    ...over,
  };
}

function response(
  p: PlannedProbe,
  at: bigint,
  kind: ResponseKind,
  responder: string,
  mark = '',
  responseTtl = 64,
): ProbeResponse {
  return {
    probeId: p.id,
    kind,
    responder,
    icmpType: 11,
    icmpCode: 0,
    mark,
    mpls: [],
    responseTtl,
    receivedAt: at,
  };
}

/**
 * A scripted path: `hops[i]` answers probes of TTL i+1 after `rtt` ms (null: silent), the
 * destination at `destinationTtl`, its answers arriving with TTL 64 less the routers on the way
 * back (as many as on the way there, plus `returnSkew`). The simulation steps a virtual clock
 * 0.1 ms at a time; `sent` lists the TTL of every probe taken, in order.
 */
function simulate(
  engine: TraceEngine,
  hops: readonly (number | null)[],
  opts: { destinationTtl: number; unreachableMark?: string; limitMs?: number; returnSkew?: number },
) {
  let now = 0n;
  const due: { at: bigint; p: PlannedProbe }[] = [];
  const maxSeenInFlight: number[] = [];
  const sent: number[] = [];
  const step = ms(0.1);
  const arrivedTtl = 64 - (opts.destinationTtl - 1 + (opts.returnSkew ?? 0));
  while (!engine.done && now < ms(opts.limitMs ?? 60_000)) {
    for (const p of engine.take(now)) {
      sent.push(p.ttl);
      engine.sent(p.id, now);
      const rtt = p.ttl <= hops.length ? hops[p.ttl - 1] : hops[hops.length - 1];
      if (rtt !== null && rtt !== undefined) due.push({ at: now + ms(rtt), p });
    }
    maxSeenInFlight.push(engine.inFlight);
    now += step;
    const ready = due.filter((d) => d.at <= now);
    due.splice(0, due.length, ...due.filter((d) => d.at > now));
    for (const d of ready) {
      const atDestination = d.p.ttl >= opts.destinationTtl;
      const kind: ResponseKind = atDestination
        ? opts.unreachableMark
          ? 'unreachable'
          : 'reached'
        : 'time-exceeded';
      engine.response(
        response(
          d.p,
          d.at,
          kind,
          atDestination ? 'dest' : `r${d.p.ttl}`,
          atDestination ? (opts.unreachableMark ?? '') : '',
          atDestination ? arrivedTtl : 64 - (d.p.ttl - 1),
        ),
      );
    }
    engine.expire(now);
  }
  return { elapsedMs: Number(now) / 1e6, maxInFlight: Math.max(...maxSeenInFlight), sent };
}

describe('classic mode (traceroute)', () => {
  it('finds every hop up to the destination and stops there', () => {
    const e = new TraceEngine(config());
    simulate(e, [1, 2, 3, 4, 5], { destinationTtl: 5 });
    expect(e.destinationTtl).toBe(5);
    const hops = e.hops();
    expect(hops.map((h) => h.responders.map((r) => r.address))).toEqual([
      ['r1'],
      ['r2'],
      ['r3'],
      ['r4'],
      ['dest'],
    ]);
    expect(hops.every((h) => h.sent === 3 && h.received === 3)).toBe(true);
    expect(hops[4]!.reachedDestination).toBe(true);
  });

  it('keeps at most maxInFlight probes out at once, across TTLs', () => {
    const e = new TraceEngine(config({ maxInFlight: 4 }));
    const { maxInFlight } = simulate(e, [5, 5, 5, 5, 5, 5, 5, 5], { destinationTtl: 8 });
    expect(maxInFlight).toBe(4);
    expect(e.hops()).toHaveLength(8);
  });

  it('costs one short wait for a silent hop, not hops × wait (adaptive wait, as traceroute)', () => {
    const e = new TraceEngine(config());
    const { elapsedMs } = simulate(e, [0.1, 0.1, null, 0.1, 0.1, 0.1, 0.1, 0.1], { destinationTtl: 8 });
    const silent = e.hops()[2]!;
    expect(silent.sent).toBe(3);
    expect(silent.received).toBe(0);
    // NEAR × (RTT of a later hop + 1 ms precision) = 10 × 1.1 ms: about 11 ms, far below 5 s.
    expect(elapsedMs).toBeGreaterThan(10);
    expect(elapsedMs).toBeLessThan(20);
  });

  it('waits the full wait when no later hop answers', () => {
    const e = new TraceEngine(config({ maxTtl: 3, waitMs: 200 }));
    const { elapsedMs } = simulate(e, [0.1, null, null], { destinationTtl: 99 });
    expect(elapsedMs).toBeGreaterThanOrEqual(200);
    expect(elapsedMs).toBeLessThan(210);
    expect(e.hops().map((h) => h.received)).toEqual([3, 0, 0]);
  });

  it('stops at an unreachable and keeps its mark', () => {
    const e = new TraceEngine(config());
    simulate(e, [1, 1, 1], { destinationTtl: 3, unreachableMark: '!X' });
    expect(e.destinationTtl).toBe(3);
    expect(e.hops().at(-1)).toMatchObject({ mark: '!X', ttl: 3 });
  });

  it('ignores duplicates and replies to probes it does not know', () => {
    const e = new TraceEngine(config({ maxTtl: 1, queriesPerHop: 1 }));
    const [p] = e.take(0n);
    e.sent(p!.id, 0n);
    expect(e.response(response(p!, ms(1), 'reached', 'dest'))).toBeDefined();
    expect(e.response(response(p!, ms(2), 'reached', 'dest'))).toBeUndefined();
    expect(e.response({ ...response(p!, ms(2), 'reached', 'dest'), probeId: 999 as never })).toBeUndefined();
    expect(e.hops()[0]).toMatchObject({ sent: 1, received: 1 });
  });

  it('never times out a probe that is not on the wire yet', () => {
    const e = new TraceEngine(config({ maxTtl: 1, queriesPerHop: 1, waitMs: 10 }));
    const [p] = e.take(0n);
    expect(e.expire(ms(100))).toEqual([]);
    e.sent(p!.id, ms(100));
    expect(e.nextWake()).toBe(ms(110));
    expect(e.expire(ms(110)).map((o) => o.type)).toEqual(['timeout']);
  });

  it("wakes at the earliest deadline under traceroute's HERE and NEAR waits, as a per-probe reckoning says", () => {
    // The rule written out plainly, probe by probe: a probe waits waitMs, cut to HERE × the best
    // RTT of its own hop and NEAR × the best RTT of any later hop. The engine works the waits out
    // once per TTL; this is what it must agree with after every step of random traces.
    const action = fc.record({
      advanceMs: fc.double({ min: 0, max: 50, noNaN: true }),
      answer: fc.nat(40),
      rttMs: fc.double({ min: 0.01, max: 400, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(0, 3),
        fc.constantFrom(0, 10),
        fc.integer({ min: 1, max: 30 }),
        fc.array(action, { maxLength: 60 }),
        (waitHere, waitNear, maxInFlight, actions) => {
          const c = config({ waitHere, waitNear, maxInFlight, waitMs: 5000 });
          const e = new TraceEngine(c);
          const out = new Map<number, { p: PlannedProbe; sentAt: bigint }>();
          const best = new Map<number, number>();
          let now = 0n;
          const reckoned = (): bigint | undefined => {
            let wake: bigint | undefined;
            for (const { p, sentAt } of out.values()) {
              let wait = c.waitMs;
              const here = best.get(p.ttl);
              if (waitHere > 0 && here !== undefined)
                wait = Math.min(wait, (here + WAIT_PRECISION_MS) * waitHere);
              const later = [...best].filter(([t]) => t > p.ttl).map(([, b]) => b);
              if (waitNear > 0 && later.length > 0)
                wait = Math.min(wait, (Math.min(...later) + WAIT_PRECISION_MS) * waitNear);
              const d = sentAt + BigInt(Math.round(wait * 1e6));
              if (wake === undefined || d < wake) wake = d;
            }
            return wake;
          };
          for (const a of actions) {
            now += ms(a.advanceMs);
            for (const o of e.expire(now)) out.delete(o.id);
            for (const p of e.take(now)) {
              e.sent(p.id, now);
              out.set(p.id, { p, sentAt: now });
            }
            const waiting = [...out.values()];
            const chosen = waiting[a.answer % Math.max(1, waiting.length)];
            if (chosen) {
              // Only routers answer: no destination, so no hop is forgotten beyond it.
              const at = chosen.sentAt + ms(a.rttMs);
              if (at > now) now = at;
              const rtt = Number(at - chosen.sentAt) / 1e6;
              e.response(response(chosen.p, at, 'time-exceeded', `r${chosen.p.ttl}`));
              out.delete(chosen.p.id);
              best.set(chosen.p.ttl, Math.min(best.get(chosen.p.ttl) ?? Infinity, rtt));
            }
            expect(e.nextWake()).toBe(reckoned());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every responder of a hop (ECMP)', () => {
    const e = new TraceEngine(config({ maxTtl: 2, queriesPerHop: 4 }));
    const probes = e.take(0n);
    probes.forEach((p, i) => {
      e.sent(p.id, 0n);
      const kind = p.ttl === 2 ? 'reached' : 'time-exceeded';
      e.response(response(p, ms(1), kind, p.ttl === 2 ? 'dest' : i % 2 ? 'r1a' : 'r1b'));
    });
    expect(
      e
        .hops()[0]!
        .responders.map((r) => r.address)
        .sort(),
    ).toEqual(['r1a', 'r1b']);
  });

  it('spreads the queries of a hop over the flows', () => {
    const e = new TraceEngine(config({ maxTtl: 1, queriesPerHop: 6, flows: 3 }));
    expect(e.take(0n).map((p) => p.flow)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('probes every flow at every TTL in classic mode, even with fewer queries than flows', () => {
    const e = new TraceEngine(config({ maxTtl: 2, queriesPerHop: 3, flows: 5, maxInFlight: 100 }));
    expect(e.take(0n).map((p) => [p.ttl, p.flow])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 0],
      [2, 1],
      [2, 2],
      [2, 3],
      [2, 4],
    ]);
  });

  it('rejects a bad configuration with one clear message', () => {
    expect(() => new TraceEngine(config({ firstTtl: 5, maxTtl: 3 }))).toThrow(
      'first TTL 5 is beyond max TTL 3',
    );
    expect(() => new TraceEngine(config({ queriesPerHop: 0 }))).toThrow(/queries per hop/);
    expect(() => new TraceEngine(config({ flows: 17 }))).toThrow(/flows must be a whole number from 1 to 16/);
  });
});

describe('the distance probe (classic mode)', () => {
  it('reads a distance from the TTL an answer arrived with, for the usual initial TTLs', () => {
    expect(distanceFromAnswer(57)).toBe(8); // Linux, 7 routers on the way
    expect(distanceFromAnswer(64)).toBe(1);
    expect(distanceFromAnswer(120)).toBe(9); // Windows
    expect(distanceFromAnswer(250)).toBe(6); // a router's own 255
    expect(distanceFromAnswer(20)).toBe(13);
  });

  it('goes first, at the maximum TTL, in no slot of the window, and holds every probe beyond the distance', () => {
    const first = new TraceEngine(config({ distanceProbe: true })).take(0n);
    expect(first[0]!.ttl).toBe(30);
    expect(first.slice(1).map((p) => p.ttl)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6]);
    // Answers in the order the probes went, as in the lab, where the kernel forwards a probe through
    // every namespace inside the send: the distance is known before the first batch's replies.
    const path = Array(8).fill(0.1);
    const e = new TraceEngine(config({ distanceProbe: true }));
    const { sent } = simulate(e, path, { destinationTtl: 8 });
    expect(e.destinationTtl).toBe(8);
    expect(e.hops().every((h) => h.sent === 3 && h.received === 3)).toBe(true);
    expect(sent.filter((t) => t > 8 && t < 30)).toEqual([]);
    expect(sent).toHaveLength(25);
    // Without it, traceroute's window sends past the destination (8 here, where this simulation
    // reads replies in 0.1 ms batches; 13 in the lab, reading one at a time).
    const plain = simulate(new TraceEngine(config()), path, { destinationTtl: 8 });
    expect(plain.sent.filter((t) => t > 8)).toHaveLength(8);
  });

  it('lets the trace go on where a router answers from the estimated distance (a shorter way back)', () => {
    const e = new TraceEngine(config({ distanceProbe: true }));
    simulate(e, Array(12).fill(0.2), { destinationTtl: 12, returnSkew: -4 });
    expect(e.destinationTtl).toBe(12);
    expect(e.hops().map((h) => h.received)).toEqual(Array(12).fill(3));
  });

  it('lets the trace go on where every probe up to the estimate settled without the destination', () => {
    // Hops 5 to 9 silent, the destination at 10, its answer saying 5 (a far shorter way back).
    const e = new TraceEngine(config({ distanceProbe: true, waitMs: 100 }));
    simulate(e, [0.2, 0.2, 0.2, 0.2, null, null, null, null, null, 0.2], {
      destinationTtl: 10,
      returnSkew: -5,
    });
    expect(e.destinationTtl).toBe(10);
    expect(e.hops().map((h) => h.received)).toEqual([3, 3, 3, 3, 0, 0, 0, 0, 0, 3]);
  });

  it('is not taken where the window spans one hop, with path MTU discovery, or in continuous mode', () => {
    for (const over of [
      { maxInFlight: 3 },
      { pathMtu: { family: 4 as const } },
      { mode: 'continuous' as const, cycles: 1 },
    ]) {
      const e = new TraceEngine(config({ distanceProbe: true, ...over }));
      expect(e.take(0n)[0]!.ttl).toBe(1);
    }
  });

  it('finds what traceroute finds on any path; where the way back is no shorter, sends no more beyond the destination', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        // RTTs well inside the adaptive waits (NEAR × a later hop's RTT + 1 ms is 10 ms or more):
        // a schedule that moves must not turn a reply into a timeout, as it may in traceroute too.
        fc.array(fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: null }), {
          minLength: 20,
          maxLength: 20,
        }),
        fc.integer({ min: -6, max: 6 }),
        fc.constantFrom(4, 8, 16),
        (destinationTtl, rtts, returnSkew, maxInFlight) => {
          // The destination answers (its own RTT the largest), routers as drawn.
          const hops = rtts.slice(0, destinationTtl);
          hops[destinationTtl - 1] = Math.max(1, ...hops.map((r) => r ?? 0));
          const run = (distanceProbe: boolean) => {
            const e = new TraceEngine(config({ maxTtl: 20, waitMs: 200, maxInFlight, distanceProbe }));
            const { sent } = simulate(e, hops, { destinationTtl, returnSkew });
            return { e, beyond: sent.filter((t) => t > destinationTtl && t < 20).length };
          };
          const plain = run(false);
          const probed = run(true);
          expect(probed.e.destinationTtl).toBe(plain.e.destinationTtl);
          expect(
            probed.e.hops().map((h) => [h.sent, h.received, h.responders.map((r) => r.address)]),
          ).toEqual(plain.e.hops().map((h) => [h.sent, h.received, h.responders.map((r) => r.address)]));
          // A way back shorter than the way there makes the estimate short: the held probes go
          // later, on another schedule, which may cross the destination's answer differently.
          if (returnSkew >= 0) expect(probed.beyond).toBeLessThanOrEqual(plain.beyond);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('continuous mode (mtr)', () => {
  it('runs the asked cycles, one probe per hop per round, up to the destination', () => {
    const e = new TraceEngine(
      config({ mode: 'continuous', cycles: 5, roundIntervalMs: 10, waitMs: defaults.continuousWaitMs }),
    );
    simulate(e, [1, 2, 3], { destinationTtl: 3 });
    expect(e.rounds).toBe(5);
    // Round 1 probed past the destination before it was known; from then on only 3 hops.
    expect(e.hops().map((h) => h.sent)).toEqual([5, 5, 5]);
  });

  it('10,000 rounds: memory bounded, statistics equal a brute-force recomputation', () => {
    const e = new TraceEngine(
      config({ mode: 'continuous', cycles: 10_000, roundIntervalMs: 1, waitMs: 50, maxInFlight: 64 }),
    );
    // Deterministic pseudo-random RTTs and 20% loss at hop 2.
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const samples = new Map<number, (number | null)[]>([
      [1, []],
      [2, []],
      [3, []],
    ]);
    let now = 0n;
    const heapBefore = process.memoryUsage().heapUsed;
    while (!e.done) {
      for (const p of e.take(now)) {
        e.sent(p.id, now);
        if (p.ttl > 3) continue; // first round, before the destination is known: silent
        if (p.ttl === 2 && rand() < 0.2) {
          samples.get(2)!.push(null);
          continue;
        }
        const rtt = Math.round((p.ttl + rand() * 5) * 1000) / 1000;
        samples.get(p.ttl)!.push(rtt);
        e.response(response(p, now + ms(rtt), p.ttl === 3 ? 'reached' : 'time-exceeded', `r${p.ttl}`));
      }
      now += ms(1);
      e.expire(now);
    }
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(heapGrowthMb).toBeLessThan(20);
    for (const h of e.hops()) {
      const all = samples.get(h.ttl)!;
      const rtts = all.filter((x): x is number => x !== null);
      const n = rtts.length;
      const avg = rtts.reduce((a, b) => a + b, 0) / n;
      const stdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / (n - 1));
      let jitter = 0;
      for (let i = 1; i < n; i++) jitter += Math.abs(rtts[i]! - rtts[i - 1]!);
      expect(h.sent).toBe(all.length);
      expect(h.received).toBe(n);
      expect(h.lossPercent).toBeCloseTo(((all.length - n) * 100) / all.length, 9);
      expect(h.best).toBeCloseTo(Math.min(...rtts), 6);
      expect(h.worst).toBeCloseTo(Math.max(...rtts), 6);
      expect(h.avg).toBeCloseTo(avg, 6);
      expect(h.stdev).toBeCloseTo(stdev, 6);
      expect(h.jitter).toBeCloseTo(jitter / (n - 1), 6);
      expect(h.last).toBeCloseTo(rtts.at(-1)!, 6);
      expect(h.history.length).toBeLessThanOrEqual(120);
    }
    expect(e.hops()[0]!.sent).toBe(10_000);
  });
});
