import { vi } from 'vitest';

// Colours are part of what is tested (loss in green, yellow or red): force them before Ink's
// colour support is detected at import.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import type { PingTarget } from '@netdiag/icmp';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { BoardRow, BoardSnapshot } from '../ping/ping-board.js';
import { PingTable } from './ping-view.js';

const ESC = '\u001b';
const GREEN = `${ESC}[32m`;
const YELLOW = `${ESC}[33m`;
const RED = `${ESC}[31m`;
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

const target = (index: number, host: string, address: string): PingTarget => ({
  index,
  host,
  address,
  family: address.includes(':') ? 6 : 4,
  identifier: index + 1,
});

function row(index: number, host: string, address: string, over: Partial<BoardRow> = {}): BoardRow {
  return {
    target: target(index, host, address),
    sent: 3,
    received: 3,
    corrupt: 0,
    lossPercent: 0,
    last: 3,
    rtt: { min: 1, avg: 2, max: 3, mdev: 0.816, p50: 2, p95: 3, jitter: 1 },
    history: [1, 2, 3],
    ...over,
  };
}

const snapshot = (rows: BoardRow[], ended = false): BoardSnapshot => ({ rows, ended });

describe('PingTable', () => {
  it('draws a header and one row per host with its statistics and sparkline', () => {
    const ui = render(
      <PingTable
        snapshot={snapshot([
          row(0, 'gw.lab', '192.0.2.1'),
          row(1, '2001:db8::1', '2001:db8::1', {
            sent: 5,
            received: 4,
            lossPercent: 20,
            last: 'lost',
            history: [10, 20, 'lost', 15, 12.5],
          }),
        ])}
      />,
    );
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[0]).toMatch(/^HOST\s+SENT\s+RECV\s+LOSS\s+LAST\s+MIN\s+AVG\s+MAX\s+MDEV\s+HISTORY$/);
    expect(lines[1]).toMatch(
      /^gw\.lab 192\.0\.2\.1 {8}\s+3\s+3\s+0\.0%\s+3\.00\s+1\.00\s+2\.00\s+3\.00\s+0\.816\s+▁▅█$/,
    );
    // Host and address are one cell; an address target shows once.
    expect(lines[2]).toMatch(
      /^2001:db8::1\s+5\s+4\s+20\.0%\s+lost\s+1\.00\s+2\.00\s+3\.00\s+0\.816\s+▁█!▅▃$/,
    );
    expect(lines[3]).toBe('Ctrl-C stops and prints the summary');
    ui.unmount();
  });

  it('colours loss green at 0%, yellow in between and red at 100%, and a lost last probe red', () => {
    const ui = render(
      <PingTable
        snapshot={snapshot([
          row(0, 'a', '192.0.2.1'),
          row(1, 'b', '192.0.2.2', { lossPercent: 50, last: 'lost' }),
          row(2, 'c', '192.0.2.3', {
            received: 0,
            lossPercent: 100,
            last: 'lost',
            rtt: null,
            history: ['lost', 'lost', 'lost'],
          }),
        ])}
      />,
    );
    const lines = ui.lastFrame()!.split('\n');
    const END = `${ESC}[39m`;
    expect(lines[1]).toContain(`${GREEN}  0.0% ${END}   3.00 `);
    expect(lines[2]).toContain(`${YELLOW} 50.0% ${RED}   lost ${END}`);
    // Red loss and a red last probe side by side are one red run.
    expect(lines[3]).toContain(`${RED}100.0%    lost ${END}`);
    expect(plain(lines[3]!)).toMatch(/^c 192\.0\.2\.3\s+3\s+0\s+100\.0%\s+lost\s+-\s+-\s+-\s+-\s+!!!$/);
    ui.unmount();
  });

  it('shows - for a host with no probe yet, and no hint line once ended', () => {
    const ui = render(
      <PingTable
        snapshot={snapshot(
          [row(0, 'a', '192.0.2.1', { sent: 0, received: 0, last: null, rtt: null, history: [] })],
          true,
        )}
      />,
    );
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[1]).toMatch(/^a 192\.0\.2\.1\s+0\s+0\s+0\.0%\s+-\s+-\s+-\s+-\s+-\s*$/);
    expect(lines).toHaveLength(2);
    ui.unmount();
  });

  it('cuts a long host name with … and fits the sparkline to the width', () => {
    const history = Array.from({ length: 200 }, (_, i) => i);
    const ui = render(
      <PingTable
        width={100}
        snapshot={snapshot([row(0, 'a-very-long-host-name.example', '192.0.2.1', { history })])}
      />,
    );
    const line = plain(ui.lastFrame()!).split('\n')[1]!;
    expect(line.startsWith('a-very-long-host-name.… ')).toBe(true);
    // 100 columns, 83 for the fixed ones: the history gets max(10, 100 − 83 − 1) = 16 samples.
    const spark = /([▁▂▃▄▅▆▇█!]+)$/.exec(line)![1]!;
    expect(spark).toHaveLength(16);
    expect(spark.endsWith('█')).toBe(true);
    expect(spark.startsWith('▁')).toBe(true);
    ui.unmount();
  });

  it('fits an 80-column terminal: the host column narrows and the history gives way', () => {
    const ui = render(
      <PingTable
        width={80}
        snapshot={snapshot([row(0, 'gw.lab', '192.0.2.1'), row(1, 'a-long-name.lab', '192.0.2.2')])}
      />,
    );
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[0]).toBe(`${'HOST'.padEnd(20)} SENT  RECV   LOSS    LAST     MIN     AVG     MAX    MDEV `);
    expect(lines[1]).toBe('gw.lab 192.0.2.1        3     3   0.0%    3.00    1.00    2.00    3.00   0.816');
    expect(lines[2]!.startsWith('a-long-name.lab 19… ')).toBe(true);
    expect(lines.every((l) => l.length < 80)).toBe(true);
    ui.unmount();
  });

  it('says under the table how many corrupt replies a host had, not counted as received', () => {
    const { lastFrame } = render(
      <PingTable snapshot={snapshot([row(0, 'a', '192.0.2.1', { corrupt: 2 }), row(1, 'b', '192.0.2.2')])} />,
    );
    const lines = plain(lastFrame() ?? '').split('\n');
    expect(lines.filter((l) => l.includes('corrupt'))).toEqual([
      'a 192.0.2.1: 2 corrupt replies (bad checksum, payload or quote), not counted as received',
    ]);
  });
});
