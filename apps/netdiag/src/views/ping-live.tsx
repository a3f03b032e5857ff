import { render, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { BoardSnapshot } from '../ping/ping-board.js';
import type { LiveFeed } from './live-feed.js';
import { PingTable } from './ping-view.js';

/** Redraws at most this often: replies from many hosts must not turn into a render storm. */
const FRAME_MS = 100;

function PingLive({ feed }: { feed: LiveFeed<BoardSnapshot> }) {
  const { write, stdout } = useStdout();
  const [snapshot, setSnapshot] = useState(feed.snapshot());
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = feed.subscribe({
      onLine: (line) => write(`${line}\n`),
      onChange: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          setSnapshot(feed.snapshot());
        }, FRAME_MS);
      },
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [feed, write]);
  return <PingTable snapshot={snapshot} width={stdout.columns || 120} />;
}

/** Mounts the live view; the returned function draws the final frame and unmounts it. */
export function mountPingLive(feed: LiveFeed<BoardSnapshot>, stdout: NodeJS.WriteStream): () => Promise<void> {
  const instance = render(<PingLive feed={feed} />, { stdout, exitOnCtrlC: false, patchConsole: false });
  return async () => {
    instance.rerender(<PingTable snapshot={feed.snapshot()} width={stdout.columns || 120} />);
    instance.unmount();
    await instance.waitUntilExit();
  };
}

