import {
  DecodeError,
  decodeQuotedProbe,
  icmpv4,
  icmpv6,
  internetChecksum,
  ipv4,
  isIcmpError,
  randomBytes,
} from '@netdiag/icmp';
import type { IpFamily, ProbeSocket, ReceivedPacket } from '@netdiag/probe-socket';
import { type EchoReplyView, readEchoReply } from './echo-reply.js';
import { type DueSend, IcmpEngine } from './icmp-engine.js';
import type { IcmpSockets } from './icmp-sockets.js';
import type { IcmpTarget, IcmpTargetSpec, ReplyVerdict } from './icmp-target.js';
import { COOKIE_BYTES, makePayload, writeSlot } from './payload.js';

/** What one `echo()` (a /probe request) saw. */
export interface EchoResult {
  readonly sent: number;
  readonly received: number;
  /** RTT of each reply in seconds, in the order the requests were sent (NaN: none came). */
  readonly rtts: readonly number[];
  /** Hop limit of the first reply, if any came. */
  readonly hopLimit?: number;
  /** Seconds from the start of the echo to the first request on the wire. */
  readonly setupSeconds: number;
}

export interface EchoOptions {
  readonly packets: number;
  readonly packetIntervalMs: number;
  readonly timeoutMs: number;
  readonly payload: Uint8Array;
  readonly ttl?: number;
  readonly signal?: AbortSignal;
}

/** An ICMP header's length: an echo request's payload starts there. */
const ICMP_HEADER = 8;

/** The least time between two wake-ups of the send loop (see schedule()). */
const WAKE_QUANTUM_NS = 4e6;

/** Payload slots at and above this are one-off echoes (/probe), below it the engine's targets. */
const ECHO_SLOTS = 0x8000_0000;

interface EchoSession {
  readonly address: string;
  readonly sentAt: number[];
  readonly rtts: number[];
  hopLimit?: number;
  received: number;
  done?: () => void;
}

export interface IcmpMonitorEvents {
  /** Every matched reply, for live views and tests (keep it cheap: it runs per packet). */
  readonly onReply?: (target: IcmpTarget, verdict: ReplyVerdict, rttSeconds: number) => void;
  /** A socket failed (closed under us): the agent reports it and stops that family. */
  readonly onSocketError?: (family: IpFamily, error: Error) => void;
}

/**
 * The engine on real sockets and timers: one timer, set to the engine's next wake-up; replies
 * read from the sockets opened by `openIcmpSockets`, timed by the kernel's receive timestamps.
 */
export class IcmpMonitor {
  readonly engine: IcmpEngine;
  private readonly origin = process.hrtime.bigint();
  // The origin as process.hrtime() pairs it, for times the sockets give without a BigInt.
  private readonly originSeconds = Number(this.origin / 1_000_000_000n);
  private readonly originNanoseconds = Number(this.origin % 1_000_000_000n);
  private readonly cookie = randomBytes(COOKIE_BYTES);
  /**
   * One payload per size, the slot written in before each send (the encoder copies it): one
   * per target was 10,000 small buffers, each with an allocation of its own.
   */
  private readonly payloads = new Map<number, Uint8Array>();
  /** With trySend: one whole echo request per family and size (see request()). */
  private readonly requests = new Map<number, Uint8Array>();
  private readonly unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private lastWake = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly batch: DueSend[] = [];
  private readonly view: EchoReplyView = { identifier: 0, sequence: 0, slot: 0, ttl: -1 };
  private packetsRead = 0;
  private readonly echoes = new Map<number, EchoSession>();
  private nextEcho = 0;

  constructor(
    private readonly sockets: IcmpSockets,
    private readonly events: IcmpMonitorEvents = {},
  ) {
    this.engine = new IcmpEngine();
    for (const [family, socket] of [
      [4, sockets.v4],
      [6, sockets.v6],
    ] as const) {
      if (!socket) continue;
      this.unsubscribe.push(socket.onPacket((p) => this.onPacket(family, p)));
      this.unsubscribe.push(socket.onError((err) => this.events.onSocketError?.(family, err)));
    }
  }

  /** Engine clock: ns since this monitor started, on the kernel timestamps' clock. */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  /** Replaces the targets (see IcmpEngine.setTargets); throws for a family without a socket. */
  setTargets(specs: readonly IcmpTargetSpec[]): { added: number; removed: number; kept: number } {
    for (const spec of specs) {
      if (!this.socketFor(spec.family))
        throw new Error(
          `no IPv${spec.family} ICMP socket for ${spec.host}: ${this.sockets.failures[spec.family] ?? 'not opened'}`,
        );
    }
    const result = this.engine.setTargets(specs, this.now());
    this.schedule();
    return result;
  }

  /**
   * Reads every reply the kernel holds now: before a snapshot of the counters, so that a reply
   * that came but waits unread (the event loop was busy) does not show as a request without one.
   */
  drain(): void {
    if (!this.stopped) this.drainAll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
  }

  /**
   * Sends `packets` echo requests to one address on the agent's own sockets (no socket opened
   * per request: the privilege stays where it was taken) and waits for their replies until the
   * timeout after the last one. Payload: blackbox's, or ours with a slot for matching.
   */
  echo(address: string, family: IpFamily, options: EchoOptions): Promise<EchoResult> {
    const socket = this.socketFor(family);
    if (!socket)
      return Promise.reject(new Error(`no IPv${family} ICMP socket: ${this.sockets.failures[family]}`));
    const slot = ECHO_SLOTS + (this.nextEcho++ % ECHO_SLOTS);
    const session: EchoSession = { address, sentAt: [], rtts: [], received: 0 };
    this.echoes.set(slot, session);
    const start = this.now();
    const payload = new Uint8Array(options.payload);
    payload.set(this.cookie);
    new DataView(payload.buffer).setUint32(COOKIE_BYTES, slot);
    const identifier = this.sockets.identifier(family);
    let setupSeconds = 0;
    return new Promise<EchoResult>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = () => {
        for (const t of timers) clearTimeout(t);
        options.signal?.removeEventListener('abort', finish);
        this.echoes.delete(slot);
        resolve({
          sent: session.sentAt.length,
          received: session.received,
          rtts: session.rtts,
          ...(session.hopLimit !== undefined && { hopLimit: session.hopLimit }),
          setupSeconds,
        });
      };
      session.done = () => {
        if (session.received === options.packets) finish();
      };
      options.signal?.addEventListener('abort', finish, { once: true });
      const sendOne = (i: number) => {
        const request = { kind: 'echo-request', code: 0, identifier, sequence: i & 0xffff, payload } as const;
        const bytes = family === 4 ? icmpv4.encode(request) : icmpv6.encode(request);
        session.sentAt[i] = this.now();
        session.rtts[i] = Number.NaN;
        socket.send(bytes, address, options.ttl !== undefined ? { ttl: options.ttl } : undefined).then(
          (at) => {
            session.sentAt[i] = Number(at - this.origin);
            if (i === 0) setupSeconds = (session.sentAt[0]! - start) / 1e9;
          },
          () => {},
        );
        if (i === options.packets - 1) timers.push(setTimeout(finish, options.timeoutMs));
      };
      for (let i = 0; i < options.packets; i++) {
        if (i === 0) sendOne(0);
        else timers.push(setTimeout(() => sendOne(i), i * options.packetIntervalMs));
      }
    });
  }

  private echoReply(
    slot: number,
    from: string,
    wire: number,
    receivedAt: number,
    ttl: number | undefined,
  ): void {
    const session = this.echoes.get(slot);
    if (!session || session.address !== from) return;
    const sentAt = session.sentAt[wire];
    if (sentAt === undefined || !Number.isNaN(session.rtts[wire]!)) return;
    session.rtts[wire] = Math.max(0, receivedAt - sentAt) / 1e9;
    session.received++;
    if (ttl !== undefined) session.hopLimit ??= ttl;
    session.done?.();
  }

  private socketFor(family: IpFamily): ProbeSocket | undefined {
    return family === 4 ? this.sockets.v4 : this.sockets.v6;
  }

  private schedule(): void {
    if (this.stopped) return;
    const due = this.engine.nextWakeup();
    if (due === undefined) return;
    // Wake-ups are at least WAKE_QUANTUM apart: each costs a timer, an epoll round and reads of
    // both sockets, and at 10,000 targets a wake-up per send would be most of the agent's CPU.
    // Sends stay spread (10,000 a second is 40 per 4 ms), each is timed from its own system call,
    // and the delay this adds is in the scheduling-delay histogram like any other.
    const next = Math.max(due, this.lastWake + WAKE_QUANTUM_NS);
    if (this.timer !== undefined && next >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = next;
    const waitMs = Math.max(0, (next - this.now()) / 1e6);
    this.timer = setTimeout(this.wake, waitMs);
  }

  private readonly wake = () => {
    this.timer = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = this.now();
    this.lastWake = now;
    if (this.engine.timeoutDue(now)) {
      // `now` was taken before reading: every reply in time for a deadline up to `now` is in
      // the kernel's queue by then, and read here, before its request could be called lost.
      this.drainAll();
      this.engine.expire(now);
    }
    const batch = this.engine.due(now, this.batch);
    for (const send of batch) this.send(send);
    batch.length = 0;
    this.schedule();
  };

  private send({ target, seq }: DueSend): void {
    const spec = target.spec;
    const socket = this.socketFor(spec.family)!;
    const identifier = this.sockets.identifier(spec.family);
    if (!socket.trySend) {
      let payload = this.payloads.get(spec.size);
      if (!payload) {
        payload = makePayload(spec.size, this.cookie, 0);
        this.payloads.set(spec.size, payload);
      }
      writeSlot(payload, target.slot);
      const request = { kind: 'echo-request', code: 0, identifier, sequence: seq & 0xffff, payload } as const;
      const bytes = spec.family === 4 ? icmpv4.encode(request) : icmpv6.encode(request);
      socket.send(bytes, spec.address, target.sendOptions).then(
        (sentAt) => target.restamp(seq, Number(sentAt - this.origin)),
        () => target.sendFailed(seq),
      );
      return;
    }
    // No promise and no new packet per send: 10,000 of each a second, with their closures and
    // buffers, were much of what the agent allocated (issue 13: the young generation then grows
    // to its largest). The socket copies the datagram (to the kernel, or into its send queue).
    const bytes = this.request(spec.family, spec.size);
    bytes[2] = 0;
    bytes[3] = 0;
    bytes[4] = identifier >> 8;
    bytes[5] = identifier & 0xff;
    bytes[6] = (seq >> 8) & 0xff;
    bytes[7] = seq & 0xff;
    writeSlot(bytes, target.slot, ICMP_HEADER);
    // ICMPv6's checksum covers a pseudo-header: the kernel writes it (raw and datagram sockets).
    if (spec.family === 4) {
      const checksum = internetChecksum(bytes);
      bytes[2] = checksum >> 8;
      bytes[3] = checksum & 0xff;
    }
    let sent: boolean;
    try {
      sent = socket.trySend(bytes, spec.address, target.sendOptions);
    } catch {
      target.sendFailed(seq);
      return;
    }
    // Queued behind a full socket buffer: timed from entering the queue, as before the promise.
    target.restamp(seq, sent && socket.lastSentAt ? this.sinceOrigin(socket.lastSentAt) : this.now());
  }

  /** The echo request of a family and payload size, rewritten in place for each send. */
  private request(family: IpFamily, size: number): Uint8Array {
    const key = family * 65_536 + size;
    let bytes = this.requests.get(key);
    if (!bytes) {
      const payload = makePayload(size, this.cookie, 0);
      const request = { kind: 'echo-request', code: 0, identifier: 0, sequence: 0, payload } as const;
      bytes = family === 4 ? icmpv4.encode(request) : icmpv6.encode(request);
      this.requests.set(key, bytes);
    }
    return bytes;
  }

  /** ns since the origin of a process.hrtime() pair. */
  private sinceOrigin(t: readonly [number, number]): number {
    return (t[0] - this.originSeconds) * 1e9 + (t[1] - this.originNanoseconds);
  }

  private onPacket(family: IpFamily, packet: ReceivedPacket): void {
    this.packetsRead++;
    const receivedAt = packet.receivedHrtime
      ? this.sinceOrigin(packet.receivedHrtime)
      : Number(packet.receivedAt - this.origin);
    const v = this.view;
    if (
      readEchoReply(family, packet.data, family === 4 && packet.includesIpHeader !== false, this.cookie, v)
    ) {
      if (v.identifier !== this.sockets.identifier(family)) return;
      const ttl = v.ttl >= 0 ? v.ttl : packet.hopLimit;
      if (v.slot >= ECHO_SLOTS) {
        this.echoReply(v.slot, packet.from, v.sequence, receivedAt, ttl);
        return;
      }
      const verdict = this.engine.reply(v.slot, packet.from, v.sequence, receivedAt, ttl);
      if (this.events.onReply && verdict !== 'unmatched') {
        const target = this.engine.targetAt(v.slot)!;
        this.events.onReply(target, verdict, target.lastRtt);
      }
      return;
    }
    // Not one of our echo replies: an ICMP error about one of our requests, or someone else's.
    let message: ReturnType<typeof icmpv4.decode>['value'];
    try {
      if (family === 4 && packet.includesIpHeader !== false) {
        const ip = ipv4.decode(packet.data);
        message = icmpv4.decode(packet.data, ip.bytesRead).value;
      } else {
        message = (family === 4 ? icmpv4 : icmpv6).decode(packet.data).value;
      }
    } catch (err) {
      if (err instanceof DecodeError) return; // untrusted bytes: a malformed packet is dropped
      throw err;
    }
    if (!isIcmpError(message)) return;
    try {
      const quoted = decodeQuotedProbe(family, message.original);
      const t = quoted.transport;
      if (t.protocol !== 'icmp' || t.identifier !== this.sockets.identifier(family)) return;
      this.engine.icmpError(quoted.destination, t.sequence);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
    }
  }

  /**
   * Reads every reply the kernel holds before losses are declared: a reply that arrived in time
   * but waits unread (the event loop was busy) must not be counted lost. Each drain() reads at
   * most one batch (512) per socket: go on while batches come back full.
   */
  private drainAll(): void {
    for (let round = 0; round < 256; round++) {
      const before = this.packetsRead;
      this.sockets.v4?.drain();
      this.sockets.v6?.drain();
      if (this.packetsRead - before < 512) return;
    }
  }
}
