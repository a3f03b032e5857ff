import { vi } from 'vitest';

// Loss colours are part of what is tested: force colours before Ink detects support at import.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import type { HopSnapshot } from '@netdiag/ttl-prober';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { TraceBoardSnapshot } from '../trace/trace-board.js';
import { hopSnapshot, silentHop } from '../trace/trace-test-events.testkit.js';
import { TraceTable } from './trace-view.js';

const ESC = '\u001b';
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

function snap(hops: HopSnapshot[], over: Partial<TraceBoardSnapshot> = {}): TraceBoardSnapshot {
  return {
    host: 'far.lab',
    address: '192.0.2.9',
    hops,
    names: new Map([
      ['192.0.2.5', 'r1.lab'],
      ['192.0.2.9', 'far.lab'],
    ]),
    showNames: true,
    display: 'stats',
    paused: false,
    ended: false,
    flows: 1,
    flowsAt: new Map(),
    ...over,
  };
}

const path = () => [
  hopSnapshot(1),
  silentHop(2),
  hopSnapshot(3, {
    sent: 4,
    received: 3,
    lossPercent: 25,
    history: [1, null, 1.25, 1.5],
    responders: [
      { address: '192.0.2.13', replies: 2, lastMpls: [] },
      { address: '192.0.2.17', replies: 1, lastMpls: [] },
    ],
  }),
  hopSnapshot(4, {
    responders: [{ address: '192.0.2.9', replies: 3, lastMpls: [] }],
    reachedDestination: true,
  }),
];

describe('TraceTable', () => {
  it('draws a title, mtr columns, one row per hop with a sparkline, ??? for a silent hop and extra responders below', () => {
    const ui = render(<TraceTable snapshot={snap(path())} width={100} />);
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[0]).toBe('netdiag trace to far.lab (192.0.2.9)');
    // 100 columns: 40 for the host, 55 for the statistics, 3 left for the history.
    expect(lines[1]).toMatch(/^Host {36}\s+Loss%\s+Snt\s+Last\s+Avg\s+Best\s+Wrst\s+StDev\s+Javg His$/);
    expect(lines[2]).toMatch(
      /^ {2}1\. r1\.lab \(192\.0\.2\.5\) {20}0\.0%\s+3\s+1\.50\s+1\.25\s+1\.00\s+1\.50\s+0\.250\s+0\.250 ▁▅█$/,
    );
    expect(lines[3]).toMatch(/^ {2}2\. \?\?\? {31}\s+100\.0%\s+3 {43}!!!$/);
    expect(lines[4]).toMatch(
      /^ {2}3\. 192\.0\.2\.13\s+25\.0%\s+4\s+1\.50\s+1\.25\s+1\.00\s+1\.50\s+0\.250\s+0\.250 !▁█$/,
    );
    expect(lines[5]).toBe('     192.0.2.17');
    expect(lines[6]).toMatch(/^ {2}4\. far\.lab \(192\.0\.2\.9\)\s+0\.0%\s+3\s/);
    expect(lines[7]).toBe('keys: q quit  p pause  r reset  n names  d display  y owner');
    expect(lines).toHaveLength(8);
    expect(Math.max(...lines.map((l) => l.length))).toBe(99);
    ui.unmount();
  });

  it('with several flows, puts before each responder how many flows met it there: a fan shows where paths diverge', () => {
    const flowsAt = new Map([
      [1, new Map([['192.0.2.5', 16]])],
      [
        3,
        new Map([
          ['192.0.2.13', 9],
          ['192.0.2.17', 7],
        ]),
      ],
    ]);
    const ui = render(<TraceTable snapshot={snap(path(), { flows: 16, flowsAt })} width={100} />);
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[2]).toMatch(/^ {2}1\. \[16\/16\] r1\.lab \(192\.0\.2\.5\)\s+0\.0%/);
    expect(lines[3]).toMatch(/^ {2}2\. \?\?\?\s+100\.0%/);
    expect(lines[4]).toMatch(/^ {2}3\. \[9\/16\] 192\.0\.2\.13\s+25\.0%/);
    expect(lines[5]).toBe('     [7/16] 192.0.2.17');
    // Not yet met on any flow: no tag rather than a made-up count.
    expect(lines[6]).toMatch(/^ {2}4\. far\.lab \(192\.0\.2\.9\)\s+0\.0%/);
    ui.unmount();
  });

  it('fits an 80-column terminal: the host column narrows and the history gives way', () => {
    const ui = render(<TraceTable snapshot={snap(path())} width={80} />);
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[1]).toBe(`${'Host'.padEnd(24)}  Loss%   Snt   Last    Avg   Best   Wrst  StDev   Javg`);
    expect(lines[2]).toBe('  1. r1.lab (192.0.2.5)    0.0%     3   1.50   1.25   1.00   1.50  0.250  0.250');
    expect(lines[4]).toMatch(/^ {2}3\. 192\.0\.2\.13 {11}25\.0%/);
    expect(lines.every((l) => l.length < 80)).toBe(true);
    ui.unmount();
  });

  it('colours loss green, yellow and red, leaves an unprobed hop plain, and bolds the destination', () => {
    const ui = render(
      <TraceTable
        snapshot={snap([...path(), hopSnapshot(5, { sent: 0, received: 0, responders: [], history: [] })])}
        width={100}
      />,
    );
    const lines = ui.lastFrame()!.split('\n');
    expect(lines[2]).toContain(`${ESC}[32m   0.0%${ESC}[39m`);
    expect(lines[3]).toContain(`${ESC}[31m 100.0%${ESC}[39m`);
    expect(lines[4]).toContain(`${ESC}[33m  25.0%${ESC}[39m`);
    expect(lines[6]).toContain(`${ESC}[1m  4. far.lab (192.0.2.9)`);
    // A hop not probed yet: no label, no colour.
    expect(lines[7]).toMatch(/^ {2}5\. {39}0\.0% {5}0/);
    ui.unmount();
  });

  it('shows addresses only when names are off', () => {
    const ui = render(<TraceTable snapshot={snap(path(), { showNames: false })} width={100} />);
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[2]).toMatch(/^ {2}1\. 192\.0\.2\.5\s+0\.0%/);
    expect(lines[6]).toMatch(/^ {2}4\. 192\.0\.2\.9\s+0\.0%/);
    expect(plain(ui.lastFrame()!)).not.toContain('r1.lab');
    ui.unmount();
  });

  it('shows only the history in history mode, as wide as the terminal allows', () => {
    const history = Array.from({ length: 120 }, (_, i) => (i % 10 === 9 ? null : i % 10));
    const ui = render(
      <TraceTable
        snapshot={snap([hopSnapshot(1, { history })], { display: 'history', paused: true })}
        width={100}
      />,
    );
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[0]).toBe('netdiag trace to far.lab (192.0.2.9)  [paused]');
    expect(lines[1]).toBe(`${'Host'.padEnd(40)}History`);
    // 100 columns − 40 for the host − 1: the last 59 samples, no statistics.
    expect(lines[2]).toMatch(/^ {2}1\. r1\.lab \(192\.0\.2\.5\) {17}[▁▂▃▄▅▆▇█!]{59}$/);
    expect(lines[2]!.endsWith('▁▂▃▄▅▆▇██!')).toBe(true);
    ui.unmount();
  });

  it('puts a mark after the responder and drops the key hint once ended', () => {
    const ui = render(
      <TraceTable
        snapshot={snap(
          [hopSnapshot(1, { mark: '!X', responders: [{ address: '192.0.2.9', replies: 3, lastMpls: [] }] })],
          { ended: true },
        )}
        width={100}
      />,
    );
    const lines = plain(ui.lastFrame()!).split('\n');
    expect(lines[2]).toMatch(/^ {2}1\. far\.lab \(192\.0\.2\.9\) !X\s+0\.0%/);
    expect(lines).toHaveLength(3);
    ui.unmount();
  });
});
