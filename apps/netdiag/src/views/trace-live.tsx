import { render, useApp, useInput, useStdin, useStdout } from 'ink';
import type { TraceBoardSnapshot } from '../trace/trace-board.js';
import type { LiveFeed } from './live-feed.js';
import { TraceTable } from './trace-view.js';
import { useLiveFeed } from './use-live-feed.js';

/** What the keys do; the command wires them to the running trace. */
export interface TraceKeys {
  quit(): void;
  togglePause(): void;
  reset(): void;
  toggleNames(): void;
  toggleDisplay(): void;
  /** y, as in mtr: the owner column off, AS, prefix, country, off... */
  cycleInfo(): void;
}

function Keys({ keys }: { keys: TraceKeys }) {
  const { exit } = useApp();
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) {
      keys.quit();
      exit();
    } else if (input === 'p') keys.togglePause();
    else if (input === 'r') keys.reset();
    else if (input === 'n') keys.toggleNames();
    else if (input === 'd') keys.toggleDisplay();
    else if (input === 'y') keys.cycleInfo();
  });
  return null;
}

export function TraceLive({ feed, keys }: { feed: LiveFeed<TraceBoardSnapshot>; keys: TraceKeys }) {
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const snapshot = useLiveFeed(feed);
  return (
    <>
      {isRawModeSupported && <Keys keys={keys} />}
      <TraceTable snapshot={snapshot} width={stdout.columns || 120} />
    </>
  );
}

/** Mounts the live table; the returned function draws the final frame and unmounts it. */
export function mountTraceLive(
  feed: LiveFeed<TraceBoardSnapshot>,
  keys: TraceKeys,
  stdout: NodeJS.WriteStream,
): () => Promise<void> {
  const instance = render(<TraceLive feed={feed} keys={keys} />, {
    stdout,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return async () => {
    instance.rerender(<TraceTable snapshot={feed.snapshot()} width={stdout.columns || 120} />);
    instance.unmount();
    await instance.waitUntilExit();
  };
}
