import { render, useStdout } from 'ink';
import type { BoardSnapshot } from '../ping/ping-board.js';
import type { LiveFeed } from './live-feed.js';
import { PingTable } from './ping-view.js';
import { useLiveFeed } from './use-live-feed.js';

function PingLive({ feed }: { feed: LiveFeed<BoardSnapshot> }) {
  const { stdout } = useStdout();
  const snapshot = useLiveFeed(feed);
  return <PingTable snapshot={snapshot} width={stdout.columns || 120} />;
}

/** Mounts the live view; the returned function draws the final frame and unmounts it. */
export function mountPingLive(
  feed: LiveFeed<BoardSnapshot>,
  stdout: NodeJS.WriteStream,
): () => Promise<void> {
  const instance = render(<PingLive feed={feed} />, { stdout, exitOnCtrlC: false, patchConsole: false });
  return async () => {
    instance.rerender(<PingTable snapshot={feed.snapshot()} width={stdout.columns || 120} />);
    instance.unmount();
    await instance.waitUntilExit();
  };
}
