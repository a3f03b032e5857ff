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
  let state = createProbe({ ...config, senderMac: channel.mac });
  return drive<ProbeEvent, ProbeAction, ProbeSummary>(
    channel,
    options,
    (event) => {
      const r = stepProbe(state, event);
      state = r.state;
      return r.actions;
    },
    (a, at) => ({ type: 'sent', seq: a.seq, at }),
  );
}

/** Runs a scan session over a frame channel until it is done (or aborted). */
export function runScan(
  config: Omit<ScanConfig, 'senderMac'>,
  channel: FrameChannel,
  options: { clock?: Clock; signal?: AbortSignal; onAction?: (a: ScanAction) => void } = {},
): Promise<ScanSummary> {
  const session = new ScanSession({ ...config, senderMac: channel.mac });
  return drive<ScanEvent, ScanAction, ScanSummary>(
    channel,
    options,
    (event) => session.step(event),
    (a, at) => ({ type: 'sent', index: a.index, at }),
  );
}

/** The events both sessions take from their driver, beside their own 'sent'. */
type DriverEvent =
  | { readonly type: 'start' | 'timer' | 'stop'; readonly at: number }
  | { readonly type: 'frame'; readonly at: number; readonly bytes: Uint8Array };

/** The actions a driver carries out; a session's others (replies, hosts found) go to onAction. */
type DriverAction<Summary> =
  | { readonly type: 'send'; readonly frame: Uint8Array }
  | { readonly type: 'wake'; readonly at: number }
  | { readonly type: 'done'; readonly summary: Summary };

/**
 * Feeds a session (a probe or a scan: both pure state machines) with the channel's frames, the
 * clock's wake-ups and the sends' times, carries out its actions, and settles with its summary.
 */
function drive<Event extends { readonly type: string }, Action extends { readonly type: string }, Summary>(
  channel: FrameChannel,
  options: { clock?: Clock; signal?: AbortSignal; onAction?: (a: Action) => void },
  step: (event: Event | DriverEvent) => readonly Action[],
  sentEvent: (send: Extract<Action, { type: 'send' }>, at: number) => Event,
): Promise<Summary> {
  const clock = options.clock ?? systemClock;
  return new Promise<Summary>((resolve, reject) => {
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
    const feed = (event: Event | DriverEvent) => {
      if (finished) return;
      for (const action of step(event)) {
        options.onAction?.(action);
        const a = action as unknown as DriverAction<Summary>;
        if (a.type === 'send') {
          channel.send(a.frame).then(
            (at) => feed(sentEvent(action as Extract<Action, { type: 'send' }>, at)),
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
