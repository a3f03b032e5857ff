import type { TraceEvent } from '@netdiag/ttl-prober';
import { describe, expect, it } from 'vitest';
import { TraceBoard } from './trace-board.js';
import { hopSnapshot, silentHop, startEvent } from './trace-test-events.testkit.js';

const hopEvent = (h: ReturnType<typeof hopSnapshot>): TraceEvent => ({ type: 'hop', hop: h });

describe('TraceBoard', () => {
  it('is empty before the first hop, and carries host, address and toggles', () => {
    const board = new TraceBoard(true);
    board.apply(startEvent());
    const s = board.snapshot();
    expect([s.host, s.address, s.hops, s.showNames, s.display, s.paused, s.ended]).toEqual([
      'far.lab',
      '192.0.2.9',
      [],
      true,
      'stats',
      false,
      false,
    ]);
  });

  it('fills hops not heard from yet with empty rows up to the furthest hop seen', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent());
    board.apply(hopEvent(hopSnapshot(1)));
    board.apply(hopEvent(hopSnapshot(4)));
    const hops = board.snapshot().hops;
    expect(hops.map((h) => [h.ttl, h.sent, h.responders.length])).toEqual([
      [1, 3, 1],
      [2, 0, 0],
      [3, 0, 0],
      [4, 3, 1],
    ]);
    expect(hops[1]).toEqual({
      ttl: 2,
      sent: 0,
      received: 0,
      lossPercent: 0,
      last: null,
      avg: null,
      best: null,
      worst: null,
      stdev: null,
      jitter: null,
      p50: null,
      p95: null,
      responders: [],
      mark: '',
      reachedDestination: false,
      history: [],
    });
  });

  it('starts at the first TTL of the trace', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent({ firstTtl: 3 }));
    board.apply(hopEvent(hopSnapshot(5)));
    expect(board.snapshot().hops.map((h) => h.ttl)).toEqual([3, 4, 5]);
  });

  it('stops at the nearest TTL where the destination answered or a mark was seen', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent());
    board.apply(hopEvent(hopSnapshot(1)));
    // Probes beyond the destination are answered by it too; the table ends at the first such TTL.
    board.apply(hopEvent(hopSnapshot(6, { reachedDestination: true })));
    board.apply(hopEvent(hopSnapshot(4, { reachedDestination: true })));
    board.apply(hopEvent(hopSnapshot(5, { reachedDestination: true })));
    expect(board.snapshot().hops.map((h) => h.ttl)).toEqual([1, 2, 3, 4]);
    board.apply(hopEvent(hopSnapshot(3, { mark: '!X' })));
    expect(board.snapshot().hops.map((h) => h.ttl)).toEqual([1, 2, 3]);
  });

  it('keeps the latest snapshot of each hop and collects names', () => {
    const board = new TraceBoard(true);
    board.apply(startEvent());
    board.apply(hopEvent(hopSnapshot(1, { sent: 1, received: 1 })));
    board.apply(hopEvent(silentHop(2, 1)));
    board.apply(hopEvent(hopSnapshot(1, { sent: 2, received: 2 })));
    board.apply({ type: 'name', address: '192.0.2.5', name: 'r1.lab' });
    board.apply({
      type: 'probe',
      time: 0,
      ttl: 1,
      round: 2,
      flow: 0,
      id: 9,
      outcome: 'reply',
      responder: '192.0.2.5',
      kind: 'time-exceeded',
      rttMs: 1,
      mark: '',
      icmpType: 11,
      icmpCode: 0,
      mpls: [],
      errorCode: null,
    });
    const s = board.snapshot();
    expect(s.hops.map((h) => [h.ttl, h.sent, h.received])).toEqual([
      [1, 2, 2],
      [2, 1, 0],
    ]);
    expect([...s.names]).toEqual([['192.0.2.5', 'r1.lab']]);
  });

  it('takes the hops of the end event and marks the end', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent());
    board.apply(hopEvent(hopSnapshot(1, { sent: 1 })));
    board.apply({
      type: 'end',
      time: 5,
      hops: [hopSnapshot(1, { sent: 3 }), hopSnapshot(2, { reachedDestination: true })],
      reached: true,
      destinationTtl: 2,
      rounds: 3,
      paths: [],
      corrupt: 0,
    });
    const s = board.snapshot();
    expect(s.ended).toBe(true);
    expect(s.hops.map((h) => [h.ttl, h.sent])).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it('reset clears the statistics but keeps the path length known', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent());
    board.apply(hopEvent(hopSnapshot(1)));
    board.apply(hopEvent(hopSnapshot(2, { reachedDestination: true })));
    board.reset();
    expect(board.snapshot().hops.map((h) => [h.ttl, h.sent, h.responders.length])).toEqual([
      [1, 0, 0],
      [2, 0, 0],
    ]);
  });

  it('reflects the toggles set on it', () => {
    const board = new TraceBoard(true);
    board.apply(startEvent());
    board.showNames = false;
    board.display = 'history';
    board.paused = true;
    const s = board.snapshot();
    expect([s.showNames, s.display, s.paused]).toEqual([false, 'history', true]);
  });
});
