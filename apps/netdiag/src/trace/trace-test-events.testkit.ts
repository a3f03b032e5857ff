import type { HopSnapshot, TraceEvent } from '@netdiag/ttl-prober';

// Scripted trace events shared by the trace board, JSON and view tests.

export type StartEvent = Extract<TraceEvent, { type: 'start' }>;

export function startEvent(
  over: { host?: string; address?: string; firstTtl?: number; time?: number } = {},
): StartEvent {
  const flow = {
    method: 'icmp',
    family: 4,
    source: '192.0.2.2',
    destination: over.address ?? '192.0.2.9',
    identifier: 4660,
    icmpChecksum: 0xbeef,
    sourcePort: 61_234,
    destinationPort: 33_434,
  } as const;
  return {
    type: 'start',
    time: over.time ?? 0,
    host: over.host ?? 'far.lab',
    address: over.address ?? '192.0.2.9',
    family: 4,
    method: 'icmp',
    flow,
    flows: [flow],
    config: {
      firstTtl: over.firstTtl ?? 1,
      maxTtl: 30,
      queriesPerHop: 3,
      maxInFlight: 16,
      mode: 'continuous',
      waitMs: 2000,
      waitHere: 3,
      waitNear: 10,
      cycles: 3,
      roundIntervalMs: 200,
      flows: 1,
    },
    backend: 'native-raw',
    // Cast: the event's flow fields are being extended (flows) while these tests are written.
  } as StartEvent;
}

export function hopSnapshot(ttl: number, over: Partial<HopSnapshot> = {}): HopSnapshot {
  return {
    ttl,
    sent: 3,
    received: 3,
    lossPercent: 0,
    last: 1.5,
    avg: 1.25,
    best: 1,
    worst: 1.5,
    stdev: 0.25,
    jitter: 0.25,
    p50: 1.5,
    p95: 1.5,
    responders: [{ address: `192.0.2.${ttl * 4 + 1}`, replies: 3, lastMpls: [] }],
    mark: '',
    reachedDestination: false,
    history: [1, 1.25, 1.5],
    ...over,
  };
}

/** A hop nobody answered: every probe lost. */
export function silentHop(ttl: number, sent = 3): HopSnapshot {
  return hopSnapshot(ttl, {
    sent,
    received: 0,
    lossPercent: sent ? 100 : 0,
    last: null,
    avg: null,
    best: null,
    worst: null,
    stdev: null,
    jitter: null,
    responders: [],
    history: Array.from({ length: sent }, () => null),
  });
}
