import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctPaths, FlowPaths, type FlowProbe, flowsByResponder, pathKey } from './flow-paths.js';
import { MAX_RESPONDERS } from './hop-stats.js';

const reply = (
  flow: number,
  ttl: number,
  responder: string,
  rttMs = 1,
  kind: FlowProbe['kind'] = 'time-exceeded',
) => ({ flow, ttl, outcome: 'reply', responder, kind, rttMs, mark: '' }) as const;
const lost = (flow: number, ttl: number) =>
  ({ flow, ttl, outcome: 'timeout', responder: null, kind: null, rttMs: null, mark: '' }) as const;

/** Two branches: even flows through .6, odd flows through .10; hop 3 silent on flow 1. */
function twoBranches(): FlowPaths {
  const f = new FlowPaths();
  for (let flow = 0; flow < 4; flow++) {
    f.record(reply(flow, 1, '192.0.2.1', 0.5));
    f.record(reply(flow, 2, flow % 2 ? '192.0.2.10' : '192.0.2.6', 1 + flow));
    if (flow === 1) f.record(lost(flow, 3));
    else f.record(reply(flow, 3, '192.0.2.14', 2));
    f.record(reply(flow, 4, '203.0.113.9', 3, 'reached'));
  }
  return f;
}

describe('FlowPaths', () => {
  it('gives each flow its own path, hop by hop, with * where that flow heard nothing', () => {
    const paths = twoBranches().paths(4);
    expect(paths.map((p) => [p.flow, p.reached, pathKey(p)])).toEqual([
      [0, true, '192.0.2.1 192.0.2.6 192.0.2.14 203.0.113.9'],
      [1, true, '192.0.2.1 192.0.2.10 * 203.0.113.9'],
      [2, true, '192.0.2.1 192.0.2.6 192.0.2.14 203.0.113.9'],
      [3, true, '192.0.2.1 192.0.2.10 192.0.2.14 203.0.113.9'],
    ]);
    expect(paths[1]!.hops[2]).toEqual({
      ttl: 3,
      sent: 1,
      received: 0,
      responders: [],
      reachedDestination: false,
      mark: '',
    });
    expect(paths[3]!.hops[1]!.responders).toEqual([
      { address: '192.0.2.10', replies: 1, bestMs: 4, avgMs: 4 },
    ]);
  });

  it('keeps RTTs per responder per flow, and several responders where one flow met several', () => {
    const f = new FlowPaths();
    f.record(reply(0, 1, '192.0.2.1', 2));
    f.record(reply(0, 1, '192.0.2.1', 4));
    f.record(reply(0, 1, '192.0.2.5', 1)); // per-packet balancing, or a route change
    expect(f.paths()[0]!.hops[0]).toMatchObject({
      sent: 3,
      received: 3,
      responders: [
        { address: '192.0.2.1', replies: 2, bestMs: 2, avgMs: 3 },
        { address: '192.0.2.5', replies: 1, bestMs: 1, avgMs: 1 },
      ],
    });
  });

  it('cuts every path at the destination, starts at the first TTL, and lists only flows that probed', () => {
    const f = new FlowPaths(2);
    f.record(reply(5, 2, '192.0.2.1'));
    f.record(reply(5, 4, '203.0.113.9', 1, 'reached'));
    f.record(reply(5, 5, '203.0.113.9', 1, 'reached')); // overtook the discovery of the end
    const paths = f.paths(4);
    expect(paths.map((p) => p.flow)).toEqual([5]);
    expect(paths[0]!.hops.map((h) => [h.ttl, h.sent])).toEqual([
      [2, 1],
      [3, 0],
      [4, 1],
    ]);
    f.reset();
    expect(f.paths()).toEqual([]);
  });

  it('groups flows by path, most flows first, and says which flows met which responder per hop', () => {
    const paths = twoBranches().paths(4);
    expect(distinctPaths(paths).map((g) => g.flows)).toEqual([[0, 2], [1], [3]]);
    const at = flowsByResponder(paths);
    expect([...at.get(2)!]).toEqual([
      ['192.0.2.6', [0, 2]],
      ['192.0.2.10', [1, 3]],
    ]);
    expect([...at.get(3)!]).toEqual([['192.0.2.14', [0, 2, 3]]]);
  });

  it('stays bounded and consistent whatever arrives (random outcomes)', () => {
    const probe = fc.record({
      flow: fc.integer({ min: 0, max: 15 }),
      ttl: fc.integer({ min: 1, max: 30 }),
      responder: fc.option(fc.integer({ min: 0, max: 40 }).map((i) => `198.18.0.${i}`)),
      rttMs: fc.double({ min: 0, max: 1000, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(probe, { maxLength: 400 }), (probes) => {
        const f = new FlowPaths();
        for (const p of probes)
          f.record(p.responder === null ? lost(p.flow, p.ttl) : reply(p.flow, p.ttl, p.responder, p.rttMs));
        const paths = f.paths();
        expect(paths.map((p) => p.flow)).toEqual(
          [...new Set(probes.map((p) => p.flow))].sort((a, b) => a - b),
        );
        for (const path of paths) {
          const mine = probes.filter((p) => p.flow === path.flow);
          expect(path.hops.reduce((n, h) => n + h.sent, 0)).toBe(mine.length);
          for (const h of path.hops) {
            expect(h.responders.length).toBeLessThanOrEqual(MAX_RESPONDERS);
            expect(h.received).toBe(mine.filter((p) => p.ttl === h.ttl && p.responder !== null).length);
            for (const r of h.responders) expect(r.bestMs).toBeLessThanOrEqual(r.avgMs + 1e-9);
          }
        }
      }),
    );
  });
});
