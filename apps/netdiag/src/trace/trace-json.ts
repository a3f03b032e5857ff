import type { HopSnapshot, TraceEvent } from '@netdiag/ttl-prober';
import type { HopInfo } from './trace-ipinfo.js';
import { hopPmtuJson, pmtuEventJson, probeSizeJson } from './trace-mtu.js';
import { pathJson } from './trace-paths.js';

/** The schema of `netdiag trace --json`, named in its start event. */
export const TRACE_SCHEMA = 'netdiag.trace/1';

const iso = (ms: number) => new Date(ms).toISOString();

function hopJson(h: HopSnapshot, nameOf: (a: string) => string | undefined, info?: HopInfo) {
  return {
    ttl: h.ttl,
    responders: h.responders.map((r) => ({
      address: r.address,
      name: nameOf(r.address) ?? null,
      ...info?.json(r.address),
      replies: r.replies,
      mpls: r.lastMpls,
    })),
    sent: h.sent,
    received: h.received,
    lossPercent: h.lossPercent,
    lastMs: h.last,
    avgMs: h.avg,
    bestMs: h.best,
    worstMs: h.worst,
    stdevMs: h.stdev,
    jitterMs: h.jitter,
    p50Ms: h.p50,
    p95Ms: h.p95,
    mark: h.mark,
    reachedDestination: h.reachedDestination,
    ...hopPmtuJson(h),
  };
}

/**
 * NDJSON in the shape of `netdiag ping --json`: a start event, one `probe` event per probe
 * outcome and a `hop` event with that hop's statistics after it, `name` events as reverse
 * lookups answer, and an end event with every hop. Host names and addresses are separate fields.
 */
export function traceJsonLine(
  e: TraceEvent,
  nameOf: (a: string) => string | undefined,
  info?: HopInfo,
): string {
  const time = iso(Date.now());
  switch (e.type) {
    case 'start':
      return JSON.stringify({
        type: 'start',
        schema: TRACE_SCHEMA,
        time: iso(e.time),
        host: e.host,
        address: e.address,
        family: e.family,
        method: e.method,
        backend: e.backend,
        source: e.flow.source,
        flows: e.flows.map((f) => ({
          sourcePort: f.sourcePort,
          destinationPort: f.destinationPort,
          identifier: f.identifier,
          icmpChecksum: f.icmpChecksum,
        })),
        options: e.config,
        ...(info && { ipInfo: info.sources }),
      });
    case 'probe':
      return JSON.stringify({
        type: 'probe',
        time: iso(e.time),
        ttl: e.ttl,
        round: e.round,
        flow: e.flow,
        id: e.id,
        outcome: e.outcome,
        address: e.responder,
        name: e.responder ? (nameOf(e.responder) ?? null) : null,
        ...(info && e.responder && info.json(e.responder)),
        kind: e.kind,
        rttMs: e.rttMs,
        mark: e.mark,
        icmpType: e.icmpType,
        icmpCode: e.icmpCode,
        mpls: e.mpls,
        errorCode: e.errorCode,
        ...probeSizeJson(e),
      });
    case 'hop':
      return JSON.stringify({ type: 'hop', time, ...hopJson(e.hop, nameOf, info) });
    case 'pmtu':
      return JSON.stringify(pmtuEventJson(e));
    case 'name':
      return JSON.stringify({ type: 'name', time, address: e.address, name: e.name });
    case 'end':
      return JSON.stringify({
        type: 'end',
        time: iso(e.time),
        reached: e.reached,
        destinationTtl: e.destinationTtl,
        rounds: e.rounds,
        corrupt: e.corrupt,
        hops: e.hops.map((h) => hopJson(h, nameOf, info)),
        paths: e.paths.map((p) => pathJson(p, nameOf)),
      });
  }
}
