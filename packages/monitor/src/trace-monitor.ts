import type { IpFamily, ProbeSocket, SocketSpec } from '@netdiag/probe-socket';
import { type TraceEvent, trace } from '@netdiag/ttl-prober';
import type { IcmpSockets } from './icmp-sockets.js';
import { PathTracker } from './path-tracker.js';

/** One continuous trace target (config `traces:`). */
export interface TraceTargetSpec {
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
  /** Milliseconds between rounds. */
  readonly intervalMs: number;
  readonly maxHops: number;
}

export function traceKey(s: TraceTargetSpec): string {
  return [s.host, s.address, s.family, s.intervalMs, s.maxHops].join('|');
}

/**
 * The agent's ICMP socket of a family, lent to a trace: everything passes through but close(),
 * which only removes the trace's own listeners (the agent's sockets stay open: they were opened
 * once, at start, before any privilege drop).
 */
function lend(socket: ProbeSocket): ProbeSocket {
  const offs = new Set<() => void>();
  let closed = false;
  const keep = (off: () => void) => {
    offs.add(off);
    return () => {
      off();
      offs.delete(off);
    };
  };
  return {
    family: socket.family,
    protocol: socket.protocol,
    backend: socket.backend,
    ...(socket.boundIdentifier !== undefined && { boundIdentifier: socket.boundIdentifier }),
    send: (packet, to, options) => socket.send(packet, to, options),
    onPacket: (listener) => keep(socket.onPacket(listener)),
    onError: (listener) => keep(socket.onError(listener)),
    drain: () => socket.drain(),
    unref: () => {},
    ref: () => {},
    canUnref: false,
    close() {
      closed = true;
      for (const off of offs) off();
      offs.clear();
    },
    get closed() {
      return closed || socket.closed;
    },
  };
}

/** A running continuous trace and what it has seen. */
export class TraceTarget {
  readonly key: string;
  readonly path: PathTracker;
  private readonly controller = new AbortController();
  /** Why the trace stopped, if it did (shown in the agent's log, kept for tests). */
  failure: string | undefined;

  constructor(
    readonly spec: TraceTargetSpec,
    sockets: IcmpSockets,
  ) {
    this.key = traceKey(spec);
    this.path = new PathTracker(spec.maxHops);
    const socket = spec.family === 4 ? sockets.v4 : sockets.v6;
    if (!socket) {
      this.failure = `no IPv${spec.family} ICMP socket`;
      return;
    }
    const open = (s: SocketSpec) => {
      if (s.protocol !== 'icmp' || s.family !== (spec.family as IpFamily))
        throw new Error(`a monitor trace has no ${s.protocol} socket`);
      return lend(socket);
    };
    void this.run(open);
  }

  stop(): void {
    this.controller.abort();
  }

  private async run(open: (s: SocketSpec) => ProbeSocket): Promise<void> {
    try {
      const events = trace(this.spec.address, {
        method: 'icmp',
        mode: 'continuous',
        family: this.spec.family,
        roundIntervalMs: this.spec.intervalMs,
        maxTtl: this.spec.maxHops,
        resolveNames: false,
        signal: this.controller.signal,
        openSocket: open,
      });
      for await (const e of events as AsyncIterable<TraceEvent>) {
        if (e.type !== 'probe' || e.outcome === 'send-error') continue;
        this.path.probe(
          e.round,
          e.ttl,
          e.responder,
          e.rttMs === null ? null : e.rttMs / 1000,
          e.kind === 'reached',
        );
      }
    } catch (err) {
      if (!this.controller.signal.aborted) this.failure = err instanceof Error ? err.message : String(err);
    }
  }
}
