import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { LiveFeed } from './live-feed.js';

/** Redraws at most this often: replies from many hosts must not turn into a render storm. */
export const FRAME_MS = 100;

/**
 * Subscribes a view to a job's feed: lines are written above the live part (Ink keeps them
 * out of its frame), and state changes redraw at most once per frame.
 */
export function useLiveFeed<S>(feed: LiveFeed<S>, frameMs = FRAME_MS): S {
  const { write } = useStdout();
  const [snapshot, setSnapshot] = useState(() => feed.snapshot());
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = feed.subscribe({
      onLine: (line) => write(`${line}\n`),
      onChange: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          setSnapshot(feed.snapshot());
        }, frameMs);
      },
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [feed, write, frameMs]);
  return snapshot;
}
