import { type Clock, type FrameChannel, systemClock } from './frame-channel.js';
import {
  createProbe,
  type ProbeAction,
  type ProbeConfig,
  type ProbeEvent,
  type ProbeSummary,
  stepProbe,
} from './probe-session.js';
import {
  type ScanAction,
  type ScanConfig,
  type ScanEvent,
  ScanSession,
  type ScanSummary,
} from './scan-session.js';

export interface RunOptions {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Every action as it happens (replies for a live display). */
  readonly onAction?: (action: ProbeAction) => void;
}

/**
 * Runs the probe state machine over a frame channel until it is done (or aborted), and returns
 * its summary. The channel is the caller's: it is not closed here.
 */
export function runProbe(
  config: Omit<ProbeConfig, 'senderMac'>,
  channel: FrameChannel,
  options: RunOptions = {},
): Promise<ProbeSummary> {
  const clock = options.clock ?? systemClock;
  let state = createProbe({ ...config, senderMac: channel.mac });
  return new Promise<ProbeSummary>((resolve, reject) => {
    let cancelTimer: (() => void) | undefined;
    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      cancelTimer?.();
      stopFrames();
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const feed = (event: ProbeEvent) => {
      if (finished) return;
      const r = stepProbe(state, event);
      state = r.state;
      for (const a of r.actions) {
        options.onAction?.(a);
        if (a.type === 'send') {
          channel.send(a.frame).then(
            (at) => feed({ type: 'sent', seq: a.seq, at }),
            (err: unknown) => finish(() => reject(err)),
          );
        } else if (a.type === 'wake') {
          cancelTimer?.();
          cancelTimer = clock.at(a.at, () => feed({ type: 'timer', at: clock.now() }));
        } else if (a.type === 'done') {
          finish(() => resolve(a.summary));
        }
      }
    };
    const stopFrames = channel.onFrame((bytes, at) => feed({ type: 'frame', at, bytes }));
    const onAbort = () => feed({ type: 'stop', at: clock.now() });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    feed({ type: 'start', at: clock.now() });
  });
}

/** Runs a scan session over a frame channel until it is done (or aborted). */
export function runScan(
  config: Omit<ScanConfig, 'senderMac'>,
  channel: FrameChannel,
  options: { clock?: Clock; signal?: AbortSignal; onAction?: (a: ScanAction) => void } = {},
): Promise<ScanSummary> {
  const clock = options.clock ?? systemClock;
  const session = new ScanSession({ ...config, senderMac: channel.mac });
  return new Promise<ScanSummary>((resolve, reject) => {
    let cancelTimer: (() => void) | undefined;
    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      cancelTimer?.();
      stopFrames();
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const feed = (event: ScanEvent) => {
      if (finished) return;
      for (const a of session.step(event)) {
        options.onAction?.(a);
        if (a.type === 'send') {
          channel.send(a.frame).then(
            (at) => feed({ type: 'sent', index: a.index, at }),
            (err: unknown) => finish(() => reject(err)),
          );
        } else if (a.type === 'wake') {
          cancelTimer?.();
          cancelTimer = clock.at(a.at, () => feed({ type: 'timer', at: clock.now() }));
        } else if (a.type === 'done') {
          finish(() => resolve(a.summary));
        }
      }
    };
    const stopFrames = channel.onFrame((bytes, at) => feed({ type: 'frame', at, bytes }));
    const onAbort = () => feed({ type: 'stop', at: clock.now() });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    feed({ type: 'start', at: clock.now() });
  });
}
