import { ArpOperation, dadProbe, decodeArpFrame, encodeArpFrame, whoHas } from './arp-packet.js';

/**
 * The arping algorithm as a pure state machine: it is fed events (start, timer, received frame)
 * with the time they happened and answers with actions (send this frame, wake me at, report). It
 * owns no socket and reads no clock, so every case (late, duplicate and foreign replies,
 * silence, conflicts) is tested with scripted events; a packet-socket adapter only has to carry
 * frames and timers.
 *
 * ARP has no sequence number: a reply is matched by its sender address being the target (and,
 * when we asked with an address, its target address being ours), and its RTT counts from the
 * latest request, as arping does.
 */
export interface ProbeConfig {
  readonly targetIp: string;
  readonly senderMac: string;
  /** Our address on the interface; ignored in 'dad' mode, whose probes say 0.0.0.0 (RFC 5227). */
  readonly senderIp: string;
  /** 'probe': who-has like arping; 'dad': is the address in use (duplicate address detection). */
  readonly mode: 'probe' | 'dad';
  readonly count: number;
  readonly intervalMs: number;
  /**
   * How long to wait for a reply after the last request. A probe ends sooner once every request
   * has been answered, and DAD at its first conflict, as iputils arping does.
   */
  readonly timeoutMs: number;
}

export type ProbeEvent =
  | { readonly type: 'start'; readonly at: number }
  | { readonly type: 'timer'; readonly at: number }
  /** The socket's own time for request `seq` (taken just before the system call): RTTs count from it. */
  | { readonly type: 'sent'; readonly seq: number; readonly at: number }
  | { readonly type: 'frame'; readonly at: number; readonly bytes: Uint8Array }
  /** Interrupted (Ctrl-C): finish now with what was seen. */
  | { readonly type: 'stop'; readonly at: number };

export type ProbeAction =
  | { readonly type: 'send'; readonly seq: number; readonly frame: Uint8Array }
  | { readonly type: 'wake'; readonly at: number }
  | {
      readonly type: 'reply';
      readonly seq: number;
      readonly mac: string;
      readonly rttMs: number;
      readonly duplicate: boolean;
    }
  /** Another station uses or claims the address (DAD mode), or a second MAC answered (probe mode). */
  | { readonly type: 'conflict'; readonly mac: string; readonly how: 'reply' | 'probe' }
  /**
   * A reply sent to us for the target address that answers a request we did not send (another
   * target MAC or IP than ours): never a reply, never a conflict, only counted.
   */
  | { readonly type: 'corrupt'; readonly mac: string; readonly targetMac: string; readonly targetIp: string }
  | { readonly type: 'done'; readonly summary: ProbeSummary };

export interface ProbeSummary {
  readonly transmitted: number;
  readonly received: number;
  readonly macs: readonly string[];
  readonly rttMs: { readonly min: number; readonly avg: number; readonly max: number } | null;
  readonly conflict: boolean;
  /** Replies that did not answer a request of ours (see the `corrupt` action). */
  readonly corrupt: number;
}

export interface ProbeState {
  readonly config: ProbeConfig;
  readonly phase: 'idle' | 'running' | 'done';
  readonly sent: number;
  readonly lastSentAt: number;
  /** Whether the latest request has had its (first) reply. */
  readonly answered: boolean;
  readonly nextSendAt: number;
  readonly deadline: number;
  readonly received: number;
  readonly macs: readonly string[];
  /** Running sums, so a long arping holds no list of samples (arping's min/avg/max are exact). */
  readonly rtt: { readonly min: number; readonly sum: number; readonly max: number };
  readonly corrupt: number;
  readonly conflict: boolean;
}

export function createProbe(config: ProbeConfig): ProbeState {
  if (!Number.isInteger(config.count) || config.count < 1)
    throw new RangeError(`count must be a positive integer, got ${config.count}`);
  if (!(config.intervalMs > 0) || !(config.timeoutMs > 0))
    throw new RangeError('intervalMs and timeoutMs must be positive');
  return {
    config,
    phase: 'idle',
    sent: 0,
    lastSentAt: 0,
    answered: false,
    nextSendAt: 0,
    deadline: 0,
    received: 0,
    macs: [],
    rtt: { min: Number.POSITIVE_INFINITY, sum: 0, max: Number.NEGATIVE_INFINITY },
    corrupt: 0,
    conflict: false,
  };
}

function request(c: ProbeConfig): Uint8Array {
  return encodeArpFrame(
    c.mode === 'dad'
      ? dadProbe({ senderMac: c.senderMac, targetIp: c.targetIp })
      : whoHas({ senderMac: c.senderMac, senderIp: c.senderIp, targetIp: c.targetIp }),
  );
}

function summary(s: ProbeState): ProbeSummary {
  const r = s.rtt;
  return {
    transmitted: s.sent,
    received: s.received,
    macs: s.macs,
    rttMs: s.received === 0 ? null : { min: r.min, avg: r.sum / s.received, max: r.max },
    conflict: s.conflict,
    corrupt: s.corrupt,
  };
}

/** Sends what is due, schedules the next wake-up, or finishes. */
function advance(s: ProbeState, at: number, actions: ProbeAction[]): ProbeState {
  let state = s;
  if (state.sent < state.config.count && at >= state.nextSendAt) {
    const seq = state.sent;
    actions.push({ type: 'send', seq, frame: request(state.config) });
    const sent = seq + 1;
    state = {
      ...state,
      sent,
      lastSentAt: at,
      answered: false,
      nextSendAt: at + state.config.intervalMs,
      deadline: sent === state.config.count ? at + state.config.timeoutMs : state.deadline,
    };
  }
  if (state.sent === state.config.count && at >= state.deadline) {
    state = { ...state, phase: 'done' };
    actions.push({ type: 'done', summary: summary(state) });
    return state;
  }
  actions.push({ type: 'wake', at: state.sent < state.config.count ? state.nextSendAt : state.deadline });
  return state;
}

export function stepProbe(
  state: ProbeState,
  event: ProbeEvent,
): { state: ProbeState; actions: ProbeAction[] } {
  const actions: ProbeAction[] = [];
  if (state.phase === 'done') return { state, actions };
  if (event.type === 'stop') {
    const done: ProbeState = { ...state, phase: 'done' };
    actions.push({ type: 'done', summary: summary(done) });
    return { state: done, actions };
  }
  if (event.type === 'start') {
    if (state.phase !== 'idle') return { state, actions };
    return {
      state: advance({ ...state, phase: 'running', nextSendAt: event.at }, event.at, actions),
      actions,
    };
  }
  if (state.phase !== 'running') return { state, actions };
  if (event.type === 'timer') return { state: advance(state, event.at, actions), actions };
  if (event.type === 'sent') {
    return {
      state: event.seq === state.sent - 1 && !state.answered ? { ...state, lastSentAt: event.at } : state,
      actions,
    };
  }

  const d = decodeArpFrame(event.bytes);
  const c = state.config;
  if (!d.ok || d.value.senderMac === c.senderMac) return { state, actions }; // not ARP, or our own echo
  const f = d.value;
  let next = state;
  if (
    c.mode === 'dad' &&
    f.operation === ArpOperation.Request &&
    f.senderIp === '0.0.0.0' &&
    f.targetIp === c.targetIp
  ) {
    // Someone else is probing for the same address at the same time (RFC 5227 section 2.1.1):
    // the address is not ours to take, and probing stops.
    actions.push({ type: 'conflict', mac: f.senderMac, how: 'probe' });
    return { state: finish({ ...next, conflict: true }, actions), actions };
  }
  const isReply =
    f.senderIp === c.targetIp &&
    (f.operation === ArpOperation.Reply || (c.mode === 'dad' && f.operation === ArpOperation.Request)) &&
    (c.mode === 'dad' || f.targetIp === c.senderIp);
  if (
    c.mode === 'probe' &&
    f.operation === ArpOperation.Reply &&
    f.senderIp === c.targetIp &&
    f.destinationMac === c.senderMac &&
    (f.targetIp !== c.senderIp || f.targetMac !== c.senderMac)
  ) {
    // Sent to us, from the target's address, but not an answer to what we asked.
    actions.push({ type: 'corrupt', mac: f.senderMac, targetMac: f.targetMac, targetIp: f.targetIp });
    return { state: { ...state, corrupt: state.corrupt + 1 }, actions };
  }
  if (!isReply || state.sent === 0) return { state, actions };
  const known = next.macs.includes(f.senderMac);
  const duplicate = next.answered;
  if (!known) next = { ...next, macs: [...next.macs, f.senderMac] };
  if (c.mode === 'dad') {
    actions.push({ type: 'conflict', mac: f.senderMac, how: 'reply' });
    next = { ...next, conflict: true };
  } else if (!known && next.macs.length > 1) {
    actions.push({ type: 'conflict', mac: f.senderMac, how: 'reply' });
    next = { ...next, conflict: true };
  }
  const rttMs = event.at - next.lastSentAt;
  actions.push({ type: 'reply', seq: next.sent - 1, mac: f.senderMac, rttMs, duplicate });
  if (!duplicate)
    next = {
      ...next,
      answered: true,
      received: next.received + 1,
      rtt: {
        min: Math.min(next.rtt.min, rttMs),
        sum: next.rtt.sum + rttMs,
        max: Math.max(next.rtt.max, rttMs),
      },
    };
  // As iputils arping: a DAD answer settles it, and a probe whose every request has been sent
  // and answered has nothing left to wait for (`-c 1` ends with its reply, as ping does).
  if (c.mode === 'dad' || (next.sent === c.count && next.received === next.sent))
    return { state: finish(next, actions), actions };
  return { state: next, actions };
}

function finish(s: ProbeState, actions: ProbeAction[]): ProbeState {
  const done: ProbeState = { ...s, phase: 'done' };
  actions.push({ type: 'done', summary: summary(done) });
  return done;
}
