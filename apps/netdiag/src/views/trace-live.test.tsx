import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { TraceBoard } from '../trace/trace-board.js';
import { hopSnapshot, startEvent } from '../trace/trace-test-events.testkit.js';
import { LiveFeed } from './live-feed.js';
import { type TraceKeys, TraceLive } from './trace-live.js';

async function until(check: () => boolean, what: string, frame: () => string | undefined): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
}

describe('TraceLive', () => {
  it('redraws as the feed changes and calls the TraceKeys callbacks for q p r n d y', async () => {
    const board = new TraceBoard(true);
    const feed = new LiveFeed(() => board.snapshot());
    const calls: string[] = [];
    // Wired as the trace command wires them: each key changes the board, then the feed says so.
    const keys: TraceKeys = {
      quit: () => calls.push('quit'),
      togglePause: () => {
        calls.push('pause');
        board.paused = !board.paused;
        feed.changed();
      },
      reset: () => {
        calls.push('reset');
        board.reset();
        feed.changed();
      },
      toggleNames: () => {
        calls.push('names');
        board.showNames = !board.showNames;
        feed.changed();
      },
      toggleDisplay: () => {
        calls.push('display');
        board.display = board.display === 'stats' ? 'history' : 'stats';
        feed.changed();
      },
      cycleInfo: () => {
        calls.push('owner');
        board.infoOf = () => 'AS64500';
        feed.changed();
      },
    };
    const ui = render(<TraceLive feed={feed} keys={keys} />);
    const frame = () => ui.lastFrame() ?? '';
    const wait = (check: (f: string) => boolean, what: string) => until(() => check(frame()), what, frame);

    board.apply(startEvent());
    board.apply({ type: 'hop', hop: hopSnapshot(1) });
    board.apply({ type: 'name', address: '192.0.2.5', name: 'r1.lab' });
    board.apply({
      type: 'hop',
      hop: hopSnapshot(2, {
        responders: [{ address: '192.0.2.9', replies: 3, lastMpls: [] }],
        reachedDestination: true,
      }),
    });
    feed.changed();
    await wait((f) => f.includes('r1.lab (192.0.2.5)') && f.includes('2. 192.0.2.9'), 'both hops');
    expect(frame()).toContain('netdiag trace to far.lab (192.0.2.9)');

    ui.stdin.write('n');
    await wait((f) => f.includes('1. 192.0.2.5 '), 'names off');
    expect(frame()).not.toContain('r1.lab');

    ui.stdin.write('y');
    await wait((f) => f.includes('1. AS64500 192.0.2.5 '), 'the owner column');

    ui.stdin.write('d');
    await wait((f) => /^Host\s+History$/m.test(f), 'the history display');
    expect(frame()).not.toContain('Loss%');

    ui.stdin.write('p');
    await wait((f) => f.includes('[paused]'), 'the paused mark');

    ui.stdin.write('r');
    await wait((f) => /^ {2}1\.$/m.test(f) && /^ {2}2\.$/m.test(f), 'reset rows');

    // Keys the view does not know do nothing.
    ui.stdin.write('x');
    ui.stdin.write('q');
    await wait(() => calls.includes('quit'), 'quit');
    expect(calls).toEqual(['names', 'owner', 'display', 'pause', 'reset', 'quit']);
    ui.unmount();
  });

  it('quits on Ctrl-C too', async () => {
    const board = new TraceBoard(false);
    const feed = new LiveFeed(() => board.snapshot());
    let quit = 0;
    const noop = () => {};
    const ui = render(
      <TraceLive
        feed={feed}
        keys={{
          quit: () => quit++,
          togglePause: noop,
          reset: noop,
          toggleNames: noop,
          toggleDisplay: noop,
          cycleInfo: noop,
        }}
      />,
    );
    await until(
      () => (ui.lastFrame() ?? '').includes('keys: q quit'),
      'the first frame',
      () => ui.lastFrame(),
    );
    ui.stdin.write('\u0003');
    await until(
      () => quit === 1,
      'quit',
      () => ui.lastFrame(),
    );
    ui.unmount();
  });
});
