import { describe, expect, it } from 'vitest';
import { KNOWN_ROUNDS, PathTracker, WARMUP_ROUNDS } from './path-tracker.js';

/** Feeds rounds of a path: each round a list of responders by hop (null: no answer). */
function feed(t: PathTracker, rounds: (string | null)[][], from = 0) {
  for (const [r, hops] of rounds.entries())
    for (const [i, responder] of hops.entries())
      t.probe(
        from + r,
        i + 1,
        responder,
        responder ? 0.001 * (i + 1) : null,
        i === hops.length - 1 && responder !== null,
      );
}

describe('PathTracker', () => {
  it('counts requests, responses and RTT per hop, and the hops to the destination', () => {
    const t = new PathTracker(30);
    feed(t, [
      ['r1', null, 'dst'],
      ['r1', 'r2', 'dst'],
    ]);
    expect(t.hops.map((h) => [h.requests, h.responses])).toEqual([
      [2, 2],
      [2, 1],
      [2, 2],
    ]);
    expect(t.hops[2]!.rttSum).toBeCloseTo(0.006, 12);
    feed(t, [['r1', 'r2', 'dst']], 2);
    expect(t.destinationHops).toBe(3);
  });

  it('a route moving to other routers is one path change', () => {
    const t = new PathTracker(30);
    const a = ['x1', 'x2', 'dst'];
    const b = ['y1', 'y2', 'dst'];
    feed(t, Array(10).fill(a));
    expect(t.pathChanges).toBe(0);
    feed(t, Array(10).fill(b), 10);
    expect(t.pathChanges).toBe(1);
    // and back, within the window: the old routers are still known siblings
    feed(t, Array(5).fill(a), 20);
    expect(t.pathChanges).toBe(1);
    // back again long after: they are new again
    feed(t, Array(KNOWN_ROUNDS + 2).fill(b), 25);
    feed(t, Array(3).fill(a), 25 + KNOWN_ROUNDS + 2);
    expect(t.pathChanges).toBe(2);
  });

  it('alternating between known ECMP siblings is no change', () => {
    const t = new PathTracker(30);
    const rounds = Array.from({ length: 100 }, (_, r) => [r % 2 ? 'e1' : 'e2', r % 3 ? 'f1' : 'f2', 'dst']);
    feed(t, rounds);
    expect(t.pathChanges).toBe(0);
  });

  it('keeps its memory bounded against a flapping path', () => {
    const t = new PathTracker(4);
    feed(
      t,
      Array.from({ length: 500 }, (_, r) => [`n${r}`, 'x', 'y', 'z', 'beyond']),
    );
    expect(t.hops).toHaveLength(4);
    expect(t.hops[0]!.seen.size).toBeLessThanOrEqual(16);
    expect(t.pathChanges).toBe(500 - WARMUP_ROUNDS);
  });
});
