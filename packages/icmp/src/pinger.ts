import { randomBytes, randomInt } from '@netdiag/address';
import {
  type IpFamily,
  openProbeSocket,
  type ProbeSocket,
  ProbeSocketError,
  type ReceivedPacket,
  type SocketSpec,
} from '@netdiag/probe-socket';
import { DecodeError } from './decode-error.js';
import { EventChannel } from './event-channel.js';
import { describeIcmpError } from './icmp-describe.js';
import { isIcmpError } from './icmp-message.js';
import { icmpv4 } from './icmpv4.js';
import { icmpv6 } from './icmpv6.js';
import { ipv4 } from './ipv4.js';
import { PingError } from './ping-errors.js';
import type { PingCorrupt, PingProbeEvent, PingSummary, PingTarget } from './ping-events.js';
import { ProbeTracker } from './probe-tracker.js';
import { decodeQuotedProbe } from './quoted-probe.js';
import { type Lookup, resolveHost, routeSource, systemLookup } from './resolve-target.js';
import { RttStats } from './rtt-stats.js';

export interface PingOptions {
  /** Requests per target; undefined pings until stopped (signal or deadline). */
  readonly count?: number;
  /** Milliseconds between requests to one target (ping -i, in ms). Default 1000. */
  readonly intervalMs?: number;
  /** Milliseconds to wait for each reply (ping -W). Default 2000. */
  readonly timeoutMs?: number;
  /** Milliseconds after which the run ends whatever is outstanding (ping -w). */
  readonly deadlineMs?: number;
  /** ICMP payload bytes (ping -s). Default 56. */
  readonly payloadSize?: number;
  /** TTL / hop limit of the requests (ping -t). */
  readonly ttl?: number;
  /** Force IPv4 or IPv6 for names (ping -4 / -6). */
  readonly family?: IpFamily;
  readonly signal?: AbortSignal;
  /** Name resolution; the system resolver by default. */
  readonly lookup?: Lookup;
  /**
   * false: the run's timers and sockets do not keep the process alive (Node's `unref`), so a
   * monitoring script that starts a pinger and moves on exits when its own work is done. The
   * raw-socket backend cannot unref its socket; the native backends can. Default true.
   */
  readonly ref?: boolean;
  /** Socket factory; the shared probe-socket layer by default. */
  readonly openSocket?: (spec: SocketSpec) => ProbeSocket;
}

export type PingEvent =
  | {
      readonly type: 'start';
      readonly time: number;
      /** `source` is null for a target without a route when the run began (see run()). */
      readonly targets: readonly (PingTarget & { readonly source: string | null })[];
      readonly backend: string;
    }
  | PingProbeEvent
  | { readonly type: 'end'; readonly time: number; readonly summaries: readonly PingSummary[] };

/** A running ping: iterate it for events, await `summary` for the statistics, or `stop()` it. */
export interface PingRun extends AsyncIterable<PingEvent> {
  readonly summary: Promise<PingSummary[]>;
  stop(): void;
}

const DEFAULTS = { intervalMs: 1000, timeoutMs: 2000, payloadSize: 56 } as const;
/** Replies this long after their timeout are still matched (reported late); after it, forgotten. */
const LATE_WINDOW_MS = 10_000;
/** Bytes of our payload that identify this process's run: replies without them are not ours. */
const COOKIE_BYTES = 8;
const ICMP_HEADER = 8;

/**
 * Pings one or more hosts. Each target has its own ICMP identifier and statistics; replies are
 * matched by identifier, sequence and a per-run cookie in the payload, so several pingers in one
 * process, or several processes, never count each other's replies.
 */
export function ping(hosts: string | readonly string[], options: PingOptions = {}): PingRun {
  const channel = new EventChannel<PingEvent>();
  let stopRequested = false;
  let stopNow: (() => void) | undefined;
  const summary = run(
    typeof hosts === 'string' ? [hosts] : hosts,
    options,
    (e) => channel.push(e),
    (stop) => {
      stopNow = stop;
      if (stopRequested) stop();
    },
  );
  summary.then(
    () => channel.end(),
    (err) => channel.fail(err),
  );
  // Callers that only iterate must not see an unhandled rejection from the summary promise.
  summary.catch(() => {});
  return {
    summary,
    stop() {
      stopRequested = true;
      stopNow?.();
    },
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}

function validate(
  options: PingOptions,
): Required<Pick<PingOptions, 'intervalMs' | 'timeoutMs' | 'payloadSize'>> {
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const payloadSize = options.payloadSize ?? DEFAULTS.payloadSize;
  const bad = (what: string) => new PingError('BAD_OPTION', what);
  if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1))
    throw bad(`count must be a whole number of 1 or more, not ${options.count}`);
  if (!(intervalMs >= 1) || !Number.isFinite(intervalMs))
    throw bad(`interval must be at least 1 ms, not ${intervalMs}`);
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw bad(`timeout must be positive, not ${timeoutMs}`);
  if (options.deadlineMs !== undefined && !(options.deadlineMs > 0))
    throw bad(`deadline must be positive, not ${options.deadlineMs}`);
  if (!Number.isInteger(payloadSize) || payloadSize < 0 || payloadSize > 65_507)
    throw bad(`packet size must be 0 to 65507 bytes, not ${payloadSize}`);
  if (options.ttl !== undefined && (!Number.isInteger(options.ttl) || options.ttl < 1 || options.ttl > 255))
    throw bad(`ttl must be 1 to 255, not ${options.ttl}`);
  return { intervalMs, timeoutMs, payloadSize };
}

interface TargetState {
  readonly target: PingTarget & { readonly source: string | null };
  readonly tracker: ProbeTracker;
  readonly rtt: RttStats;
  readonly payload: Uint8Array;
  /** Sequence numbers sent so far (1-based, not wrapped). */
  sent: number;
  received: number;
  duplicates: number;
  late: number;
  errors: number;
  corrupt: number;
  firstSentAt: bigint | undefined;
  timer: NodeJS.Timeout | undefined;
}

async function run(
  hosts: readonly string[],
  options: PingOptions,
  emit: (e: PingEvent) => void,
  onStoppable: (stop: () => void) => void,
): Promise<PingSummary[]> {
  if (hosts.length === 0) throw new PingError('BAD_OPTION', 'no host to ping');
  if (hosts.length > 65_536)
    throw new PingError('BAD_OPTION', 'at most 65536 targets in one run (one ICMP identifier each)');
  const { intervalMs, timeoutMs, payloadSize } = validate(options);
  const lookup = options.lookup ?? systemLookup;
  options.signal?.throwIfAborted();

  const resolved = await Promise.all(hosts.map((h) => resolveHost(h, options.family, lookup)));
  // A lone target without a route stops the run, as ping's `connect: Network is unreachable`.
  // Among several (fping), the others are pinged and its requests fail one by one (send-error,
  // ENETUNREACH) until a route appears: the work that can be done is done.
  const routes = await Promise.allSettled(resolved.map((r) => routeSource(r.address, r.family)));
  const unroutable = (r: PromiseSettledResult<string>) =>
    r.status === 'rejected' && r.reason instanceof PingError && r.reason.code === 'NETWORK_UNREACHABLE';
  const blocking = routes.find(
    (r): r is PromiseRejectedResult =>
      r.status === 'rejected' && (hosts.length === 1 || !unroutable(r) || routes.every(unroutable)),
  );
  if (blocking) throw blocking.reason;
  const sources = routes.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const identifiers = uniqueIdentifiers(hosts.length);
  const open = options.openSocket ?? ((spec: SocketSpec) => openProbeSocket(spec));
  // One raw socket per family serves every target. An ICMP datagram socket carries the one
  // identifier it is bound to (boundIdentifier), so each target gets its own and uses that.
  const sockets: ProbeSocket[] = [];
  const socketOf: ProbeSocket[] = [];
  const shared = new Map<IpFamily, ProbeSocket>();
  try {
    for (const [index, r] of resolved.entries()) {
      let socket = shared.get(r.family);
      if (!socket) {
        socket = open({ family: r.family, protocol: 'icmp', identifier: identifiers[index]! });
        sockets.push(socket);
        if (socket.boundIdentifier === undefined) shared.set(r.family, socket);
        else identifiers[index] = socket.boundIdentifier;
      }
      socketOf[index] = socket;
    }
  } catch (err) {
    for (const socket of sockets) socket.close();
    if (err instanceof ProbeSocketError && err.isPermissionDenied)
      throw new PingError('NO_PERMISSION', err.message, { cause: err });
    throw new PingError('SOCKET', err instanceof Error ? err.message : String(err), { cause: err });
  }
  const cookie = randomBytes(COOKIE_BYTES);
  const states: TargetState[] = resolved.map((r, index) => ({
    target: {
      index,
      host: hosts[index]!,
      address: r.address,
      family: r.family,
      identifier: identifiers[index]!,
      source: sources[index]!,
    },
    tracker: new ProbeTracker(BigInt(Math.round(timeoutMs * 1e6)), BigInt(LATE_WINDOW_MS) * 1_000_000n),
    rtt: new RttStats(),
    payload: makePayload(payloadSize, cookie),
    sent: 0,
    received: 0,
    duplicates: 0,
    late: 0,
    errors: 0,
    corrupt: 0,
    firstSentAt: undefined,
    timer: undefined,
  }));

  if (options.ref === false) for (const socket of sockets) socket.unref();
  const hold = holdFor(options);
  const byIdentifier = new Map(states.map((s) => [s.target.identifier, s]));
  const startedAt = process.hrtime.bigint();
  const wallAt = (mono: bigint) => Date.now() - Number(process.hrtime.bigint() - mono) / 1e6;

  return new Promise<PingSummary[]>((resolve) => {
    let finished = false;
    let expiryTimer: NodeJS.Timeout | undefined;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const unsubscribers: (() => void)[] = [];

    const finish = () => {
      if (finished) return;
      finished = true;
      for (const s of states) clearTimeout(s.timer);
      clearTimeout(expiryTimer);
      clearTimeout(deadlineTimer);
      options.signal?.removeEventListener('abort', finish);
      for (const u of unsubscribers) u();
      for (const socket of sockets) socket.close();
      const now = process.hrtime.bigint();
      const summaries = states.map((s) => summarise(s, now));
      emit({ type: 'end', time: Date.now(), summaries });
      resolve(summaries);
    };

    const targetDone = (s: TargetState) =>
      options.count !== undefined && s.sent >= options.count && s.tracker.inFlight === 0;
    const checkDone = () => {
      if (states.every(targetDone)) finish();
    };

    const scheduleExpiry = () => {
      clearTimeout(expiryTimer);
      let next: bigint | undefined;
      for (const s of states) {
        const d = s.tracker.nextDeadline();
        if (d !== undefined && (next === undefined || d < next)) next = d;
      }
      if (next === undefined) return;
      const waitMs = Math.max(0, Number(next - process.hrtime.bigint()) / 1e6);
      expiryTimer = hold(setTimeout(expire, Math.ceil(waitMs)));
    };

    const expire = () => {
      if (finished) return;
      // Read what is already queued before declaring anything lost: after a busy moment of the
      // event loop the timer can fire while replies that came in time wait unread.
      for (const socket of sockets.values()) socket.drain();
      if (finished) return;
      const now = process.hrtime.bigint();
      for (const s of states) {
        for (const wire of s.tracker.expire(now)) {
          emit({
            type: 'timeout',
            target: s.target.index,
            seq: fullSequence(s, wire),
            time: Date.now(),
          });
        }
      }
      scheduleExpiry();
      checkDone();
    };

    const send = (s: TargetState) => {
      if (finished) return;
      const seq = ++s.sent;
      const wire = seq & 0xffff;
      const socket = socketOf[s.target.index]!;
      const request = {
        kind: 'echo-request',
        code: 0,
        identifier: s.target.identifier,
        sequence: wire,
        payload: s.payload,
      } as const;
      const bytes = s.target.family === 4 ? icmpv4.encode(request) : icmpv6.encode(request);
      // Registered before the send completes: on loopback the reply can beat the send callback.
      const queuedAt = process.hrtime.bigint();
      s.tracker.sent(wire, queuedAt);
      s.firstSentAt ??= queuedAt;
      socket.send(bytes, s.target.address, options.ttl !== undefined ? { ttl: options.ttl } : undefined).then(
        (sentAt) => {
          // Re-stamp with the time taken just before the system call, unless a reply already came.
          s.tracker.restamp(wire, sentAt);
          emit({ type: 'sent', target: s.target.index, seq, time: wallAt(sentAt) });
          scheduleExpiry();
        },
        (err: unknown) => {
          s.errors++;
          s.tracker.error(wire);
          const e = err instanceof ProbeSocketError ? err : undefined;
          emit({
            type: 'send-error',
            target: s.target.index,
            seq,
            time: Date.now(),
            code: e?.code ?? 'UNKNOWN',
            message: err instanceof Error ? err.message : String(err),
          });
          checkDone();
        },
      );
      if (options.count === undefined || s.sent < options.count) {
        // Schedule from the run's start, not from now, so timer lateness does not accumulate.
        const due = startedAt + BigInt(Math.round((s.sent * intervalMs + offsetMs(s)) * 1e6));
        s.timer = hold(setTimeout(() => send(s), Math.max(0, Number(due - process.hrtime.bigint()) / 1e6)));
      }
    };
    // Targets are spread across the interval so a sweep does not burst every request at once.
    const offsetMs = (s: TargetState) => (s.target.index * intervalMs) / states.length;

    const corrupt = (s: TargetState, e: PingCorrupt) => {
      s.corrupt++;
      emit(e);
    };

    const onPacket = (family: IpFamily) => (packet: ReceivedPacket) => {
      if (finished) return;
      const parsed = parseReply(family, packet);
      if (!parsed) return;
      const { message, ttl, icmp, checksumOk } = parsed;
      const claim = (s: TargetState, wire: number) =>
        ({
          type: 'corrupt',
          target: s.target.index,
          // A sequence never sent (before the wrap) is reported as the wire value it claims.
          seq: s.sent < 0x10000 && (wire === 0 || wire > s.sent) ? wire : fullSequence(s, wire),
          time: wallAt(packet.receivedAt),
          from: packet.from,
          bytes: icmp.length,
        }) as const;
      if (message.kind === 'echo-reply') {
        const s = byIdentifier.get(message.identifier);
        if (!s || s.target.family !== family || !hasCookie(message.payload, cookie)) return;
        // What claims to be our reply but does not check out is counted apart, and settles nothing.
        if (!checksumOk)
          return corrupt(s, { ...claim(s, message.sequence), reason: 'checksum', message: 'echo-reply' });
        const differs = firstDifference(s.payload, message.payload);
        if (differs)
          return corrupt(s, {
            ...claim(s, message.sequence),
            reason: 'payload',
            message: 'echo-reply',
            ...differs,
          });
        const verdict = s.tracker.reply(message.sequence, packet.receivedAt);
        if (verdict.kind === 'unmatched') return;
        if (verdict.kind === 'reply') s.received++;
        if (verdict.kind === 'duplicate') s.duplicates++;
        if (verdict.kind === 'late') s.late++;
        const rtt = Number(verdict.rttNs) / 1e6;
        if (verdict.kind === 'reply') s.rtt.add(rtt);
        emit({
          type: 'reply',
          target: s.target.index,
          seq: fullSequence(s, message.sequence),
          time: wallAt(packet.receivedAt),
          from: packet.from,
          rtt,
          ttl: ttl ?? packet.hopLimit ?? null,
          bytes: ICMP_HEADER + message.payload.length,
          duplicate: verdict.kind === 'duplicate',
          late: verdict.kind === 'late',
          kernelTimestamp: packet.kernelTimestamp,
        });
        checkDone();
      } else if (isIcmpError(message)) {
        let quoted: ReturnType<typeof decodeQuotedProbe>;
        try {
          quoted = decodeQuotedProbe(family, message.original);
        } catch (err) {
          if (err instanceof DecodeError) return;
          throw err;
        }
        const t = quoted.transport;
        if (t.protocol !== 'icmp') return;
        const s = byIdentifier.get(t.identifier);
        if (!s || s.target.family !== family || quoted.destination !== s.target.address) return;
        if (!checksumOk)
          return corrupt(s, { ...claim(s, t.sequence), reason: 'checksum', message: 'icmp-error' });
        if (!quotesRequest(s, family, t.type, t.sequence, message.original))
          return corrupt(s, { ...claim(s, t.sequence), reason: 'quote', message: 'icmp-error' });
        if (s.tracker.error(t.sequence).kind !== 'error') return;
        s.errors++;
        emit({
          type: 'icmp-error',
          target: s.target.index,
          seq: fullSequence(s, t.sequence),
          time: wallAt(packet.receivedAt),
          from: packet.from,
          kind: message.kind,
          code: message.code,
          description: describeIcmpError(family, message),
        });
        checkDone();
      }
    };

    for (const socket of sockets) {
      const family = socket.family;
      unsubscribers.push(socket.onPacket(onPacket(family)));
      unsubscribers.push(
        socket.onError((err) => {
          for (const s of states) if (s.target.family === family) s.errors++;
          emit({
            type: 'send-error',
            target: -1,
            seq: 0,
            time: Date.now(),
            code: (err as ProbeSocketError).code ?? 'UNKNOWN',
            message: err.message,
          });
          finish();
        }),
      );
    }
    if (options.signal) {
      if (options.signal.aborted) return finish();
      options.signal.addEventListener('abort', finish, { once: true });
    }
    onStoppable(finish);
    if (options.deadlineMs !== undefined) deadlineTimer = hold(setTimeout(finish, options.deadlineMs));
    emit({
      type: 'start',
      time: Date.now(),
      targets: states.map((s) => s.target),
      backend: sockets[0]!.backend,
    });
    for (const s of states) {
      const first = offsetMs(s);
      if (first === 0) send(s);
      else s.timer = hold(setTimeout(() => send(s), first));
    }
  });
}

/** Lets a timer not keep the process alive when the caller asked for `ref: false`. */
function holdFor(options: PingOptions) {
  return (timer: NodeJS.Timeout): NodeJS.Timeout => (options.ref === false ? timer.unref() : timer);
}

/**
 * The full sequence number (1, 2, ... as ping counts) of a 16-bit wire value: the latest one sent
 * with those low bits. The tracker keys probes by the wire value too (a wrapped sequence replaces
 * the record of the one 65,536 before it), so this is the probe any match refers to.
 */
function fullSequence(s: TargetState, wire: number): number {
  return s.sent - ((s.sent - wire) & 0xffff);
}

function summarise(s: TargetState, now: bigint): PingSummary {
  const transmitted = s.sent;
  return {
    target: s.target.index,
    host: s.target.host,
    address: s.target.address,
    transmitted,
    received: s.received,
    duplicates: s.duplicates,
    late: s.late,
    errors: s.errors,
    corrupt: s.corrupt,
    lossPercent: transmitted === 0 ? 0 : ((transmitted - s.received) * 100) / transmitted,
    timeMs: s.firstSentAt === undefined ? 0 : Number(now - s.firstSentAt) / 1e6,
    rtt: s.rtt.summary(),
  };
}

/**
 * Decodes what a socket delivered. `checksumOk` is false only where the ICMPv4 checksum was
 * checked and failed: on raw IPv4 sockets, which see datagrams before the kernel's ICMP layer
 * checks them. ICMP datagram sockets get only what the kernel checked (and their errors come
 * rebuilt from the error queue, without a checksum), and the kernel checks every ICMPv6
 * checksum, pseudo-header included, before a raw or datagram ICMPv6 socket sees the message
 * (RFC 3542 §3.1): one that fails never arrives.
 */
function parseReply(family: IpFamily, packet: ReceivedPacket) {
  try {
    if (family === 4) {
      // ICMP datagram sockets deliver no IPv4 header; their TTL comes as packet.hopLimit.
      if (packet.includesIpHeader === false)
        return {
          message: icmpv4.decode(packet.data).value,
          ttl: undefined,
          icmp: packet.data,
          checksumOk: true,
        };
      const ip = ipv4.decode(packet.data);
      // The IP total length bounds the ICMP message: what follows it (link padding) is not summed.
      const icmp = packet.data.subarray(ip.bytesRead, Math.min(packet.data.length, ip.value.totalLength));
      return {
        message: icmpv4.decode(icmp).value,
        ttl: ip.value.ttl,
        icmp,
        checksumOk: icmpv4.checksumOk(icmp),
      };
    }
    return { message: icmpv6.decode(packet.data).value, ttl: undefined, icmp: packet.data, checksumOk: true };
  } catch (err) {
    // Whatever arrives on a raw socket is untrusted: a malformed packet is dropped, never fatal.
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

/** The first byte where a reply's payload differs from the request's; undefined if equal. */
function firstDifference(
  sent: Uint8Array,
  got: Uint8Array,
): { offset: number; expected: number | null; actual: number | null } | undefined {
  const n = Math.min(sent.length, got.length);
  for (let i = 0; i < n; i++)
    if (sent[i] !== got[i]) return { offset: i, expected: sent[i]!, actual: got[i]! };
  if (sent.length === got.length) return undefined;
  return { offset: n, expected: sent[n] ?? null, actual: got[n] ?? null };
}

/**
 * Whether an ICMP error's quote is of a request this target sent, as it was sent: an echo
 * request, a sequence number already used, and as much of the payload as was quoted equal to
 * ours. (Its identifier and destination were matched already.)
 */
function quotesRequest(s: TargetState, family: IpFamily, type: number, wire: number, original: Uint8Array) {
  if (type !== (family === 4 ? 8 : 128)) return false;
  // Until the sequence wraps, a wire value above what was sent (or 0) was never sent.
  if (s.sent < 0x10000 && (wire === 0 || wire > s.sent)) return false;
  const ipHeader = family === 4 ? (original[0]! & 0x0f) * 4 : 40;
  const quotedPayload = original.subarray(ipHeader + ICMP_HEADER);
  const n = Math.min(quotedPayload.length, s.payload.length);
  for (let i = 0; i < n; i++) if (quotedPayload[i] !== s.payload[i]) return false;
  return true;
}

function makePayload(size: number, cookie: Uint8Array): Uint8Array {
  const payload = new Uint8Array(size);
  // iputils fills with an incrementing byte pattern; the cookie leads where there is room.
  for (let i = 0; i < size; i++) payload[i] = i & 0xff;
  if (size >= COOKIE_BYTES) payload.set(cookie);
  return payload;
}

function hasCookie(payload: Uint8Array, cookie: Uint8Array): boolean {
  if (payload.length < COOKIE_BYTES) return true; // too small to carry one: identifier alone decides
  for (let i = 0; i < COOKIE_BYTES; i++) if (payload[i] !== cookie[i]) return false;
  return true;
}

function uniqueIdentifiers(n: number): number[] {
  const ids = new Set<number>();
  while (ids.size < Math.min(n, 65_536)) ids.add(randomInt(0, 65_536));
  return [...ids];
}
