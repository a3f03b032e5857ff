import type { PingEvent, PingTarget } from '@netdiag/icmp';
import { describe, expect, it } from 'vitest';
import { PingBoard } from './ping-board.js';

const a: PingTarget & { source: string } = {
  index: 0,
  host: 'a',
  address: '192.0.2.1',
  family: 4,
  identifier: 1,
  source: '192.0.2.9',
};
const b: PingTarget & { source: string } = {
  index: 1,
  host: '2001:db8::1',
  address: '2001:db8::1',
  family: 6,
  identifier: 2,
  source: '2001:db8::9',
};
const start: PingEvent = { type: 'start', time: 0, targets: [a, b], backend: 'raw' };
const sent = (target: number, seq: number): PingEvent => ({ type: 'sent', target, seq, time: seq });
const reply = (
  target: number,
  seq: number,
  rtt: number,
  flags: { duplicate?: boolean; late?: boolean } = {},
): PingEvent => ({
  type: 'reply',
  target,
  seq,
  time: seq,
  from: target ? b.address : a.address,
  rtt,
  ttl: 64,
  bytes: 64,
  duplicate: flags.duplicate ?? false,
  late: flags.late ?? false,
  kernelTimestamp: true,
});
const timeout = (target: number, seq: number): PingEvent => ({ type: 'timeout', target, seq, time: seq });

function fold(events: PingEvent[], historyLength?: number): PingBoard {
  const board = new PingBoard(historyLength);
  for (const e of events) board.apply(e);
  return board;
}

describe('PingBoard', () => {
  it('has one empty row per target after start', () => {
    const s = fold([start]).snapshot();
    expect(s.ended).toBe(false);
    expect(
      s.rows.map((r) => [r.target.address, r.sent, r.received, r.lossPercent, r.last, r.rtt, r.history]),
    ).toEqual([
      ['192.0.2.1', 0, 0, 0, null, null, []],
      ['2001:db8::1', 0, 0, 0, null, null, []],
    ]);
  });

  it('counts loss over settled probes only: one in flight is not lost', () => {
    const s = fold([start, sent(0, 1), reply(0, 1, 2), sent(0, 2), timeout(0, 2), sent(0, 3)]).snapshot();
    const row = s.rows[0]!;
    expect([row.sent, row.received, row.lossPercent]).toEqual([3, 1, 50]);
    expect(row.last).toBe('lost');
    expect(row.history).toEqual([2, 'lost']);
  });

  it('keeps statistics per target and ignores duplicates and late replies', () => {
    const s = fold([
      start,
      sent(0, 1),
      sent(1, 1),
      reply(0, 1, 1),
      reply(0, 1, 9, { duplicate: true }),
      reply(1, 1, 10),
      sent(0, 2),
      reply(0, 2, 3),
      sent(1, 2),
      timeout(1, 2),
      reply(1, 2, 2500, { late: true }),
    ]).snapshot();
    const [ra, rb] = s.rows;
    expect([ra!.sent, ra!.received, ra!.lossPercent, ra!.last, ra!.history]).toEqual([2, 2, 0, 3, [1, 3]]);
    expect(ra!.rtt).toMatchObject({ min: 1, avg: 2, max: 3, mdev: 1 });
    expect([rb!.sent, rb!.received, rb!.lossPercent, rb!.last, rb!.history]).toEqual([
      2,
      1,
      50,
      'lost',
      [10, 'lost'],
    ]);
    expect(rb!.rtt).toMatchObject({ min: 10, avg: 10, max: 10, mdev: 0 });
  });

  it('counts an ICMP error as a loss and a send error as a sent, lost probe', () => {
    const s = fold([
      start,
      sent(0, 1),
      {
        type: 'icmp-error',
        target: 0,
        seq: 1,
        time: 1,
        from: '198.51.100.1',
        kind: 'destination-unreachable',
        code: 1,
        description: 'Destination Host Unreachable',
      },
      {
        type: 'send-error',
        target: 0,
        seq: 2,
        time: 2,
        code: 'ENETUNREACH',
        message: 'Network is unreachable',
      },
      sent(0, 3),
      reply(0, 3, 5),
    ]).snapshot();
    const row = s.rows[0]!;
    expect([row.sent, row.received, row.history, row.last]).toEqual([3, 1, ['lost', 'lost', 5], 5]);
    expect(row.lossPercent).toBeCloseTo(200 / 3, 10);
  });

  it('keeps only the last historyLength samples', () => {
    const events: PingEvent[] = [start];
    for (let seq = 1; seq <= 6; seq++) events.push(sent(0, seq), reply(0, seq, seq));
    const row = fold(events, 4).snapshot().rows[0]!;
    expect(row.history).toEqual([3, 4, 5, 6]);
    // Statistics are over the whole run, not the window.
    expect(row.rtt).toMatchObject({ min: 1, max: 6, avg: 3.5 });
    expect(row.received).toBe(6);
  });

  it('marks the end, and snapshots are copies', () => {
    const board = fold([start, sent(0, 1), reply(0, 1, 1)]);
    const before = board.snapshot();
    board.apply(sent(0, 2));
    board.apply(reply(0, 2, 2));
    board.apply({ type: 'end', time: 3, summaries: [] });
    expect(before.rows[0]!.history).toEqual([1]);
    expect(before.ended).toBe(false);
    expect(board.snapshot().ended).toBe(true);
    expect(board.snapshot().rows[0]!.history).toEqual([1, 2]);
  });

  it('ignores events for a target it does not know', () => {
    const s = fold([start, sent(5, 1), reply(5, 1, 1)]).snapshot();
    expect(s.rows).toHaveLength(2);
    expect(s.rows.every((r) => r.sent === 0)).toBe(true);
  });

  it('counts corrupt replies apart: not received, not lost, the probe still in flight', () => {
    const corrupt: PingEvent = {
      type: 'corrupt',
      target: 0,
      seq: 1,
      time: 1,
      from: a.address,
      bytes: 64,
      reason: 'checksum',
      message: 'echo-reply',
    };
    const row = fold([start, sent(0, 1), corrupt, corrupt]).snapshot().rows[0]!;
    expect(row).toMatchObject({ sent: 1, received: 0, corrupt: 2, lossPercent: 0, last: null });
    const after = fold([start, sent(0, 1), corrupt, reply(0, 1, 2)]).snapshot().rows[0]!;
    expect(after).toMatchObject({ sent: 1, received: 1, corrupt: 1, lossPercent: 0 });
  });
});
