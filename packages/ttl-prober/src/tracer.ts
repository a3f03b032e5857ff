import { EventChannel, type Lookup, randomInt, resolveHost, routeSource, systemLookup } from '@netdiag/icmp';
import {
  openProbeSocket,
  PERMISSION_FIX,
  type ProbeSocket,
  ProbeSocketError,
  type SocketSpec,
} from '@netdiag/probe-socket';
import { BadConfig, defaults, type EngineConfig } from './config.js';
import { type PlannedProbe, type ProbeOutcome, TraceEngine } from './engine.js';
import { type FlowPath, FlowPaths } from './flow-paths.js';
import type { HopSnapshot } from './hop-stats.js';
import { NameCache, type ReverseLookup, systemReverse } from './names.js';
import { buildDatagramPayload, buildProbe, payloadBytesFor } from './probe-builder.js';
import { type ArrivedPacket, matchResponse } from './response-matcher.js';
import type { Flow, ProbeId, TraceMethod } from './types.js';

export interface TraceOptions extends Partial<Omit<EngineConfig, 'mode' | 'cycles' | 'pathMtu'>> {
  /**
   * Path MTU discovery, as tracepath: probes leave unfragmentable, from the interface MTU down,
   * shrinking on "fragmentation needed" / "packet too big"; each hop reports its `pmtu`. ICMP and
   * UDP probes only (a TCP SYN carries no payload to size).
   */
  readonly mtu?: boolean;
  readonly method?: TraceMethod;
  /** Destination port for UDP and TCP probes. */
  readonly port?: number;
  readonly family?: 4 | 6;
  /** 'classic' (traceroute, the default) or 'continuous' (mtr). */
  readonly mode?: 'classic' | 'continuous';
  /** Continuous mode: rounds to run; until stopped when absent. */
  readonly cycles?: number;
  /** Look up hop names (PTR) asynchronously. Default true. */
  readonly resolveNames?: boolean;
  /**
   * A `hop` event (the hop's statistics so far) after every probe's outcome. Default true; a
   * caller that reads only the probes and the end, as traceroute's output does, turns it off and
   * saves a snapshot of the hop (its quantiles, its responders) per reply.
   */
  readonly hopEvents?: boolean;
  /** At the end, how long to wait for names still being looked up (ms). */
  readonly nameWaitMs?: number;
  readonly reverse?: ReverseLookup;
  readonly lookup?: Lookup;
  readonly signal?: AbortSignal;
  readonly openSocket?: (spec: SocketSpec) => ProbeSocket;
}

export type TraceEvent =
  | {
      readonly type: 'start';
      readonly time: number;
      readonly host: string;
      readonly address: string;
      readonly family: 4 | 6;
      readonly method: TraceMethod;
      /** The first flow; `flows` lists all of them. */
      readonly flow: Flow;
      readonly flows: readonly Flow[];
      readonly config: EngineConfig;
      readonly backend: string;
    }
  | {
      readonly type: 'probe';
      readonly time: number;
      readonly ttl: number;
      readonly round: number;
      /** Index of the probe's flow in the start event's `flows`. */
      readonly flow: number;
      readonly id: number;
      readonly outcome: 'reply' | 'timeout' | 'send-error';
      readonly responder: string | null;
      readonly kind: 'time-exceeded' | 'reached' | 'unreachable' | null;
      readonly rttMs: number | null;
      readonly mark: string;
      readonly icmpType: number | null;
      readonly icmpCode: number | null;
      readonly mpls: readonly { label: number; trafficClass: number; bottomOfStack: boolean; ttl: number }[];
      readonly errorCode: string | null;
      /** Path MTU discovery: the probe's size in bytes, IP header included. */
      readonly size?: number;
    }
  | {
      /**
       * Path MTU discovery learned that probes from `ttl` on must be at most `mtu` bytes: from
       * a router's ICMP (`from`), or from this host's kernel (`from` null: the interface MTU).
       */
      readonly type: 'pmtu';
      readonly time: number;
      readonly ttl: number;
      readonly mtu: number;
      readonly from: string | null;
    }
  | { readonly type: 'hop'; readonly hop: HopSnapshot }
  | { readonly type: 'name'; readonly address: string; readonly name: string }
  | {
      readonly type: 'end';
      readonly time: number;
      readonly hops: readonly HopSnapshot[];
      readonly reached: boolean;
      readonly destinationTtl: number | null;
      readonly rounds: number;
      /** Each flow's path, hop by hop (the flows that sent a probe, in flow order). */
      readonly paths: readonly FlowPath[];
      /**
       * Packets that claimed to answer a probe but did not check out (an ICMPv4 checksum that
       * fails, a quote of a datagram the trace did not send): attributed to no hop.
       */
      readonly corrupt: number;
    };

export interface TraceResult {
  readonly hops: readonly HopSnapshot[];
  readonly reached: boolean;
  readonly destinationTtl: number | null;
  readonly paths: readonly FlowPath[];
}

/** A running trace: iterate it for events, await `result`, or steer it (mtr's keys). */
export interface TraceRun extends AsyncIterable<TraceEvent> {
  readonly result: Promise<TraceResult>;
  stop(): void;
  /** Stops sending new probes until `resume()` (mtr's `p`). */
  pause(): void;
  resume(): void;
  /** Clears every hop's statistics (mtr's `r`). */
  reset(): void;
  /** A hop's name where its reverse lookup has answered. */
  nameOf(address: string): string | undefined;
  /** Resolves when the reverse lookup of `address` has answered or failed. */
  nameSettled(address: string): Promise<void>;
}

export class TraceError extends Error {
  override readonly name = 'TraceError';
  constructor(
    readonly code:
      | 'BAD_OPTION'
      | 'UNKNOWN_HOST'
      | 'NO_ADDRESS_FAMILY'
      | 'NETWORK_UNREACHABLE'
      | 'NO_PERMISSION'
      | 'SOCKET',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Traces the path to `host`. Probes are matched to replies by what the replies quote; every
 * responder of a hop is kept; names are looked up on the side and never delay a probe.
 */
export function trace(host: string, options: TraceOptions = {}): TraceRun {
  const channel = new EventChannel<TraceEvent>();
  const control = {
    stop: () => {},
    pause: () => {},
    resume: () => {},
    reset: () => {},
    nameOf: (_: string): string | undefined => undefined,
    nameSettled: (_: string): Promise<void> => Promise.resolve(),
  };
  let stopEarly = false;
  const result = run(
    host,
    options,
    (e) => channel.push(e),
    (c) => {
      Object.assign(control, c);
      if (stopEarly) c.stop();
    },
  );
  result.then(
    () => channel.end(),
    (err) => channel.fail(err),
  );
  result.catch(() => {});
  return {
    result,
    stop: () => {
      stopEarly = true;
      control.stop();
    },
    pause: () => control.pause(),
    resume: () => control.resume(),
    reset: () => control.reset(),
    nameOf: (a) => control.nameOf(a),
    nameSettled: (a) => control.nameSettled(a),
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}

function engineConfig(o: TraceOptions, family: 4 | 6): EngineConfig {
  const mode = o.mode ?? 'classic';
  return {
    ...(o.mtu && { pathMtu: { family } }),
    firstTtl: o.firstTtl ?? defaults.firstTtl,
    maxTtl: o.maxTtl ?? defaults.maxTtl,
    queriesPerHop: o.queriesPerHop ?? defaults.queriesPerHop,
    maxInFlight: o.maxInFlight ?? defaults.maxInFlight,
    mode,
    waitMs: o.waitMs ?? (mode === 'classic' ? defaults.waitMs : defaults.continuousWaitMs),
    waitHere: o.waitHere ?? defaults.waitHere,
    waitNear: o.waitNear ?? defaults.waitNear,
    cycles: o.cycles,
    roundIntervalMs: o.roundIntervalMs ?? defaults.roundIntervalMs,
    flows: o.flows ?? defaults.flows,
    // Classic mode only (the engine sees to it); off, the window runs past the destination as traceroute's.
    distanceProbe: o.distanceProbe ?? true,
  };
}

async function run(
  host: string,
  options: TraceOptions,
  emit: (e: TraceEvent) => void,
  expose: (c: {
    stop(): void;
    pause(): void;
    resume(): void;
    reset(): void;
    nameOf(a: string): string | undefined;
    nameSettled(a: string): Promise<void>;
  }) => void,
): Promise<TraceResult> {
  const method = options.method ?? defaults.method;
  const hopEvents = options.hopEvents ?? true;
  let engine: TraceEngine;
  try {
    // Checked before any look-up; built again below once the family is known.
    engine = new TraceEngine(engineConfig(options, options.family ?? 4));
  } catch (err) {
    if (err instanceof BadConfig) throw new TraceError('BAD_OPTION', err.message, { cause: err });
    throw err;
  }
  if (options.mtu && method === 'tcp')
    throw new TraceError(
      'BAD_OPTION',
      'path MTU discovery needs ICMP or UDP probes: a TCP SYN carries no payload',
    );
  const port = options.port ?? (method === 'tcp' ? defaults.tcpPort : defaults.udpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new TraceError('BAD_OPTION', `port must be 1 to 65535, not ${port}`);
  options.signal?.throwIfAborted();

  let target: { address: string; family: 4 | 6 };
  let source: string;
  try {
    target = await resolveHost(host, options.family, options.lookup ?? systemLookup);
    source = await routeSource(target.address, target.family);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'UNKNOWN_HOST' || code === 'NO_ADDRESS_FAMILY' || code === 'NETWORK_UNREACHABLE') {
      throw new TraceError(code, (err as Error).message, { cause: err });
    }
    throw err;
  }
  if (options.mtu && target.family !== engine.config.pathMtu?.family)
    engine = new TraceEngine(engineConfig(options, target.family));
  // Every flow differs from the others in what load balancers hash (ports, ICMP identifier and
  // checksum), and every probe of one flow carries the same values.
  const flowCount = engine.config.flows;
  const sourcePorts = distinct(flowCount, () => randomInt(61_000, 65_536));
  const identifiers = distinct(flowCount, () => randomInt(1, 65_536));

  // Raw sockets: one ICMP socket hears every reply and error, one more sends UDP or TCP. Without
  // privilege, ICMP probes go out on ICMP datagram sockets (where ping_group_range allows), whose
  // kernel writes the echo identifier: one socket per flow then, each flow taking its identifier.
  // UDP probes without privilege go out on UDP datagram sockets, one per probe (`perProbe`).
  const openAny = options.openSocket ?? ((spec: SocketSpec) => openProbeSocket(spec));
  // Path MTU discovery: every probe leaves unfragmentable, sized against the interface MTU.
  const open = options.mtu ? (spec: SocketSpec) => openAny({ ...spec, dontFragment: true }) : openAny;
  const sockets: ProbeSocket[] = [];
  const icmpSockets: ProbeSocket[] = [];
  const sendSocketOf: ProbeSocket[] = [];
  let perProbe = false;
  let backend = '';
  try {
    let udpRaw: ProbeSocket | undefined;
    if (method === 'udp') {
      try {
        udpRaw = open({ family: target.family, protocol: 'udp' });
        sockets.push(udpRaw);
      } catch (err) {
        if (!(err instanceof ProbeSocketError && err.isPermissionDenied)) throw err;
        // No raw socket: as traceroute's own unprivileged method, a UDP datagram socket per
        // probe with IP_RECVERR. Open one now so that what would fail for every probe (no
        // native backend, IPv6 disabled) fails here, in one line.
        const check = openDatagram(open, target.family, port, err);
        backend = check.backend;
        check.close();
        perProbe = true;
      }
    }
    if (!perProbe) {
      const first = open({ family: target.family, protocol: 'icmp', identifier: identifiers[0]! });
      sockets.push(first);
      icmpSockets.push(first);
      backend = first.backend;
      if (first.boundIdentifier !== undefined) {
        if (method !== 'icmp') {
          throw new TraceError(
            'NO_PERMISSION',
            `${method.toUpperCase()} probes need a raw socket, and ICMP datagram sockets cannot hear their errors: ${PERMISSION_FIX} (or trace with ICMP, -I, or UDP, -U)`,
          );
        }
        identifiers[0] = first.boundIdentifier;
        sendSocketOf[0] = first;
        for (let i = 1; i < flowCount; i++) {
          const socket = open({ family: target.family, protocol: 'icmp', identifier: identifiers[i]! });
          sockets.push(socket);
          icmpSockets.push(socket);
          identifiers[i] = socket.boundIdentifier ?? identifiers[i]!;
          sendSocketOf[i] = socket;
        }
      } else {
        const send =
          method === 'icmp' ? first : (udpRaw ?? open({ family: target.family, protocol: method }));
        if (send !== first && send !== udpRaw) sockets.push(send);
        for (let i = 0; i < flowCount; i++) sendSocketOf[i] = send;
      }
    }
  } catch (err) {
    for (const s of sockets) s.close();
    if (err instanceof TraceError) throw err;
    if (err instanceof ProbeSocketError && err.isPermissionDenied) {
      // UDP needs no privilege at all (datagram sockets): say so where the method was a choice.
      // TCP has no datagram way at all, so the ICMP socket's ping_group_range fix is no fix for it.
      const hint = '(or trace with UDP, -U, which needs no privilege)';
      const message =
        method === 'udp'
          ? err.message
          : method === 'tcp'
            ? `TCP probes need a raw socket: ${PERMISSION_FIX} ${hint}`
            : `${err.message} ${hint}`;
      throw new TraceError('NO_PERMISSION', message, { cause: err });
    }
    throw new TraceError('SOCKET', err instanceof Error ? err.message : String(err), { cause: err });
  }
  const flows: Flow[] = sourcePorts.map((sourcePort, i) => ({
    method,
    family: target.family,
    source,
    destination: target.address,
    identifier: identifiers[i]!,
    icmpChecksum: randomInt(1, 65_536),
    // Above the range Linux hands out for ephemeral ports, so no local socket shares the flow.
    // With a socket per probe, the kernel picks each probe's port: 0 says so.
    sourcePort: perProbe ? 0 : sourcePort,
    destinationPort: port,
  }));
  const flow = flows[0]!;

  const names =
    options.resolveNames === false
      ? undefined
      : new NameCache(options.reverse ?? systemReverse, (address, name) =>
          emit({ type: 'name', address, name }),
        );

  return new Promise<TraceResult>((resolve, reject) => {
    let finished = false;
    // A socket that failed (raw-socket closes it after an error): the trace cannot go on, and
    // ending it as if the path had gone silent would mislead; it fails with the reason.
    let failure: TraceError | undefined;
    let stoppedByCaller = false;
    let paused = false;
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe: (() => void)[] = [];
    // UDP without privilege: each probe's own datagram socket, from its send until it settles.
    const probeSockets = new Map<ProbeId, { socket: ProbeSocket; ttl: number; off: () => void }>();
    const release = (id: ProbeId) => {
      const own = probeSockets.get(id);
      if (!own) return;
      probeSockets.delete(id);
      own.off();
      own.socket.close();
    };
    // The engine forgets probes beyond the destination once it is found, without an outcome.
    const releaseBeyond = (ttl: number | undefined) => {
      if (ttl === undefined) return;
      for (const [id, own] of probeSockets) if (own.ttl > ttl) release(id);
    };

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', finish);
      for (const u of unsubscribe) u();
      for (const s of sockets) s.close();
      for (const id of [...probeSockets.keys()]) release(id);
      // The probes are done; names asked for may still be on their way. Give them a bounded
      // moment (as traceroute waits for each hop's name) so the end carries them, unless stopped.
      const wait =
        names && !options.signal?.aborted && !stoppedByCaller
          ? names.idle(options.nameWaitMs ?? defaults.nameWaitMs)
          : Promise.resolve();
      void wait.then(() => {
        names?.close();
        end();
      });
    };
    let corrupt = 0;
    // Path MTU discovery: each probe's size until its outcome, and the limits already announced.
    const sizes = new Map<ProbeId, number>();
    const announced = new Set<string>();
    const flowPaths = new FlowPaths(engine.config.firstTtl);
    const end = () => {
      if (failure) return reject(failure);
      const hops = engine.hops();
      const destinationTtl = engine.destinationTtl ?? null;
      const reached = hops.some((h) => h.reachedDestination);
      const paths = flowPaths.paths(destinationTtl);
      emit({
        type: 'end',
        time: Date.now(),
        hops,
        reached,
        destinationTtl,
        rounds: engine.rounds,
        paths,
        corrupt,
      });
      resolve({ hops, reached, destinationTtl, paths });
    };

    const report = (o: ProbeOutcome) => {
      release(o.id);
      releaseBeyond(engine.destinationTtl);
      const size = sizes.get(o.id);
      sizes.delete(o.id);
      if (o.type === 'too-big') {
        // Not an outcome: the probe goes out again, smaller. Said once per new limit.
        if (o.change.mtu < o.size && !announced.has(`${o.change.ttl}/${o.change.mtu}`)) {
          announced.add(`${o.change.ttl}/${o.change.mtu}`);
          emit({ type: 'pmtu', time: Date.now(), ...o.change });
        }
        return;
      }
      const r = o.type === 'reply' ? o.response : undefined;
      if (r) names?.get(r.responder);
      const probe: Extract<TraceEvent, { type: 'probe' }> = {
        type: 'probe',
        time: Date.now(),
        ttl: o.ttl,
        round: o.round,
        flow: o.flow,
        id: o.id,
        outcome: o.type,
        responder: r?.responder ?? null,
        kind: r?.kind ?? null,
        rttMs: o.type === 'reply' ? o.rttMs : null,
        mark: r?.mark ?? '',
        icmpType: r?.icmpType ?? null,
        icmpCode: r?.icmpCode ?? null,
        mpls: r?.mpls ?? [],
        errorCode: o.type === 'send-error' ? o.code : null,
        ...(size !== undefined && { size }),
      };
      flowPaths.record(probe);
      emit(probe);
      if (!hopEvents) return;
      const hop = engine.hop(o.ttl);
      if (hop) emit({ type: 'hop', hop });
    };

    const send = (p: PlannedProbe) => {
      if (p.size !== undefined) sizes.set(p.id, p.size);
      const padTo = p.size === undefined ? undefined : payloadBytesFor(flow, p.size);
      const sending = perProbe
        ? sendOnOwnSocket(p, padTo)
        : sendSocketOf[p.flow]!.send(buildProbe(flows[p.flow]!, p.id, padTo), flow.destination, {
            ttl: p.ttl,
          });
      sending.then(
        (at) => {
          engine.sent(p.id, at);
          // Its deadline now exists: make sure the timer covers it.
          pumpSoon();
        },
        (err: unknown) => {
          if (finished) return;
          release(p.id);
          const o =
            err instanceof ProbeSocketError
              ? engine.sendFailed(p.id, err.code, err.mtu)
              : engine.sendFailed(p.id, 'UNKNOWN');
          if (o) report(o);
          pumpSoon();
        },
      );
    };

    // The kernel hands this socket the ICMP errors about its datagram alone (IP_RECVERR): the
    // socket names the probe, whatever the router quoted. Its TTL goes with the datagram.
    const sendOnOwnSocket = (p: PlannedProbe, payloadBytes: number | undefined): Promise<bigint> => {
      release(p.id); // an id the engine reuses after forgetting its probe
      let socket: ProbeSocket;
      try {
        socket = open({ family: flow.family, protocol: 'udp-datagram', port: flow.destinationPort });
      } catch (err) {
        // Out of descriptors, or ports: this probe fails, the trace goes on.
        return Promise.reject(err);
      }
      const sourcePort = socket.boundPort ?? 0;
      const offPacket = socket.onPacket((packet) =>
        onArrival({ socket: 'probe', probeId: p.id, sourcePort, ...packet }, flows[p.flow]!),
      );
      const offError = socket.onError(() => {
        if (finished || !probeSockets.has(p.id)) return;
        release(p.id);
        const o = engine.sendFailed(p.id, 'UNKNOWN');
        if (o) report(o);
        pump();
      });
      probeSockets.set(p.id, {
        socket,
        ttl: p.ttl,
        off: () => {
          offPacket();
          offError();
        },
      });
      return socket.send(buildDatagramPayload(p.id, payloadBytes), flow.destination, { ttl: p.ttl });
    };

    // Probes are sent whenever there is room; they are declared lost only from the timer, after
    // every reply already queued in the kernel has been read (drain): a busy moment of the event
    // loop must not turn replies that arrived in time into timeouts.
    // The timer is re-armed only when the next wake moves: pump runs after every send and reply,
    // and the earliest deadline (the oldest probe's) mostly stays where it was.
    let timerWake: bigint | undefined;
    const pump = () => {
      if (finished) return;
      if (!paused) for (const p of engine.take(process.hrtime.bigint())) send(p);
      if (engine.done) return finish();
      const wake = engine.nextWake();
      // A timer that fires early finds nothing to expire and is set again (expire, then pump), so
      // it is moved only to fire sooner: the earliest deadline goes later with most replies (the
      // probe that held it is answered), and a clear and a set per reply were a third of a short
      // trace's own time outside the kernel (Node 24).
      if (timer !== undefined && wake !== undefined && timerWake !== undefined && timerWake <= wake) return;
      clearTimeout(timer);
      timer = undefined;
      timerWake = wake;
      if (wake !== undefined)
        timer = setTimeout(expire, Math.max(0, Math.ceil(Number(wake - process.hrtime.bigint()) / 1e6)));
    };
    // Sends settle in batches (the 16 that open a trace, together): one pump after the batch does
    // what one per send did. A reply still pumps at once: the next probe, or the end of the
    // trace, must come before the next datagram of the same wake-up is read (a destination's
    // answer ends the trace, and what is read after it is not counted, corrupt or not).
    let pumpQueued = false;
    const pumpQueuedNow = () => {
      pumpQueued = false;
      pump();
    };
    const pumpSoon = () => {
      if (finished || pumpQueued) return;
      pumpQueued = true;
      queueMicrotask(pumpQueuedNow);
    };
    const expire = () => {
      timer = undefined;
      if (finished) return;
      for (const s of sockets) s.drain();
      for (const own of [...probeSockets.values()]) own.socket.drain();
      if (finished) return;
      for (const o of engine.expire(process.hrtime.bigint())) report(o);
      pump();
    };

    const onArrival = (arrived: ArrivedPacket, ...candidates: Flow[]) => {
      if (finished) return;
      let response: ReturnType<typeof matchResponse>;
      for (const f of candidates) {
        response = matchResponse(f, arrived);
        if (response) break;
      }
      if (!response) return;
      if ('corrupt' in response) {
        corrupt++;
        return;
      }
      const o = engine.response(response);
      if (!o) return;
      report(o);
      pump();
    };
    const onPacket =
      (socket: 'icmp' | 'tcp') =>
      (packet: {
        data: Uint8Array;
        from: string;
        receivedAt: bigint;
        hopLimit?: number;
        includesIpHeader?: boolean;
      }) =>
        onArrival({ socket, ...packet }, ...flows);
    for (const s of icmpSockets) unsubscribe.push(s.onPacket(onPacket('icmp')));
    if (method === 'tcp') unsubscribe.push(sendSocketOf[0]!.onPacket(onPacket('tcp')));
    for (const s of sockets)
      unsubscribe.push(
        s.onError((err) => {
          failure ??= new TraceError('SOCKET', err.message, { cause: err });
          finish();
        }),
      );

    if (options.signal) {
      if (options.signal.aborted) return finish();
      options.signal.addEventListener('abort', finish, { once: true });
    }
    expose({
      stop: () => {
        stoppedByCaller = true;
        engine.stop();
        finish();
      },
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
        pump();
      },
      reset: () => {
        engine.reset();
        flowPaths.reset();
      },
      nameOf: (a) => names?.get(a),
      nameSettled: (a) => names?.settled(a) ?? Promise.resolve(),
    });
    emit({
      type: 'start',
      time: Date.now(),
      host,
      address: flow.destination,
      family: flow.family,
      method,
      flow,
      flows,
      config: engine.config,
      backend,
    });
    pump();
  });
}

/**
 * Opens the UDP datagram socket of an unprivileged UDP trace; where even that fails, the one
 * line says why, and what raw sockets would need.
 */
function openDatagram(
  open: (spec: SocketSpec) => ProbeSocket,
  family: 4 | 6,
  port: number,
  rawRefused: ProbeSocketError,
): ProbeSocket {
  try {
    return open({ family, protocol: 'udp-datagram', port });
  } catch (err) {
    if (!(err instanceof ProbeSocketError)) throw err;
    throw new TraceError('NO_PERMISSION', `${rawRefused.message}; without it, ${err.message}`, {
      cause: err,
    });
  }
}

function distinct(n: number, draw: () => number): number[] {
  const values = new Set<number>();
  while (values.size < n) values.add(draw());
  return [...values];
}
