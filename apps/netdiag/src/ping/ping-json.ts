import type { PingEvent, PingTarget } from '@netdiag/icmp';

/** The schema of `netdiag ping --json`, named in its start event. Bump it on any breaking change. */
export const PING_SCHEMA = 'netdiag.ping/2';

export interface PingJsonOptions {
  readonly count: number | null;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number | null;
  readonly payloadSize: number;
  readonly ttl: number | null;
  readonly family: 4 | 6 | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One NDJSON line per event: a start event (schema, options, targets), one event per probe
 * outcome (reply, timeout, icmp-error, send-error, corrupt) and an end event with the summaries.
 * `sent` events are not written: a probe's line is its outcome.
 */
export function pingJsonLine(
  e: PingEvent,
  targets: readonly PingTarget[],
  options: PingJsonOptions,
): string | undefined {
  const target = (index: number) => {
    const t = targets[index];
    return { target: index, host: t?.host ?? null, address: t?.address ?? null };
  };
  switch (e.type) {
    case 'start':
      return JSON.stringify({
        type: 'start',
        schema: PING_SCHEMA,
        time: iso(e.time),
        backend: e.backend,
        options,
        targets: e.targets.map((t) => ({
          index: t.index,
          host: t.host,
          address: t.address,
          family: t.family,
          source: t.source,
          identifier: t.identifier,
        })),
      });
    case 'sent':
      return undefined;
    case 'reply':
      return JSON.stringify({
        type: 'reply',
        time: iso(e.time),
        ...target(e.target),
        seq: e.seq,
        from: e.from,
        rttMs: e.rtt,
        ttl: e.ttl,
        bytes: e.bytes,
        duplicate: e.duplicate,
        late: e.late,
        kernelTimestamp: e.kernelTimestamp,
      });
    case 'timeout':
      return JSON.stringify({ type: 'timeout', time: iso(e.time), ...target(e.target), seq: e.seq });
    case 'icmp-error':
      return JSON.stringify({
        type: 'icmp-error',
        time: iso(e.time),
        ...target(e.target),
        seq: e.seq,
        from: e.from,
        kind: e.kind,
        code: e.code,
        description: e.description,
      });
    case 'send-error':
      return JSON.stringify({
        type: 'send-error',
        time: iso(e.time),
        ...target(e.target),
        seq: e.seq,
        code: e.code,
        message: e.message,
      });
    case 'corrupt': {
      const { type, time, target: index, ...rest } = e;
      return JSON.stringify({ type, time: iso(time), ...target(index), ...rest });
    }
    case 'end':
      return JSON.stringify({ type: 'end', time: iso(e.time), summaries: e.summaries });
  }
}
