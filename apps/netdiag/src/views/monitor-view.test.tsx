import type { IntervalSummary, TargetInterval } from '@netdiag/monitor';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { MonitorBoard } from '../monitor/monitor-board.js';
import { MonitorTable } from './monitor-live.js';

const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

const target = (ip: string, over: Partial<TargetInterval> = {}): TargetInterval => ({
  host: ip,
  ip,
  sent: 1,
  responses: 1,
  lost: 0,
  late: 0,
  duplicates: 0,
  loss: 0,
  rttMean: 0.0005,
  rttP50: 0.0004,
  rttP90: 0.0008,
  ...over,
});

const summary = (rows: TargetInterval[]): IntervalSummary => ({
  targets: rows.length,
  sent: rows.length,
  responses: rows.filter((r) => r.responses > 0).length,
  lost: rows.filter((r) => r.lost > 0).length,
  late: 0,
  duplicates: 0,
  errors: 0,
  rttMean: 0.0005,
  schedulingDelayMean: 0.001,
  worst: rows,
});

describe('netdiag monitor live view', () => {
  it('one row per target, worst first: loss over the window, then median RTT', () => {
    const board = new MonitorBoard();
    for (let i = 0; i < 4; i++)
      board.apply(
        summary([
          target('192.0.2.1'),
          target('192.0.2.2', { rttP50: 0.02, rttP90: 0.021, rttMean: 0.02 }),
          target('192.0.2.3', i % 2 ? { responses: 0, lost: 1, loss: 1, rttMean: Number.NaN } : {}),
        ]),
      );
    const snapshot = board.snapshot();
    expect(snapshot.rows.map((r) => r.ip)).toEqual(['192.0.2.3', '192.0.2.2', '192.0.2.1']);
    expect(snapshot.rows[0]!.loss).toBe(0.5);
    const frame = plain(
      render(<MonitorTable snapshot={snapshot} width={100} height={20} />).lastFrame() ?? '',
    );
    const lines = frame.split('\n');
    expect(lines[0]).toBe('3 targets  3 sent/s  1 lost  0 late  0 dup  agent delay 1.000 ms');
    expect(lines[1]).toMatch(/^TARGET\s+LOSS\s+LAST\s+P50\s+P90\s+RTT \(last 60 s\)$/);
    expect(lines[2]).toMatch(/^192\.0\.2\.3\s+50\.0%\s+-\s+0\.400\s+0\.800\s+▁!▁!$/);
    expect(lines[3]).toMatch(/^192\.0\.2\.2\s+0\.0%\s+20\.0\s+20\.0\s+21\.0\s+▁▁▁▁$/);
  });

  it('shows as many rows as fit, then how many more', () => {
    const board = new MonitorBoard();
    board.apply(summary(Array.from({ length: 50 }, (_, i) => target(`198.18.0.${i}`))));
    const frame = plain(
      render(<MonitorTable snapshot={board.snapshot()} width={80} height={10} />).lastFrame() ?? '',
    );
    expect(frame.split('\n')).toHaveLength(2 + 6 + 1);
    expect(frame).toContain('… 44 more');
  });

  it('a target a reload removed leaves the board', () => {
    const board = new MonitorBoard();
    board.apply(summary([target('192.0.2.1'), target('192.0.2.2')]));
    board.apply(summary([target('192.0.2.2')]));
    expect(board.snapshot().rows.map((r) => r.ip)).toEqual(['192.0.2.2']);
  });
});
