import { type ExpositionWriter, labelPairs } from './exposition.js';
import type { TraceTarget } from './trace-monitor.js';

/**
 * Continuous traces: per hop (label `hop`, 1 to max_hops: bounded whatever the path does) the
 * probes and answers and the RTT as a summary (sum and count: rate() of each gives the mean);
 * the hop count to the destination; path changes. Responder addresses are not labels: a
 * flapping path would grow series without limit.
 */
export function writeTraceMetrics(w: ExpositionWriter, traces: readonly TraceTarget[]): void {
  if (traces.length === 0) return;
  const labels = traces.map((t) => labelPairs({ host: t.spec.host, ip: t.spec.address }));
  const perHop = (
    name: string,
    type: 'counter' | 'summary',
    help: string,
    write: (name: string, labels: string, hop: NonNullable<TraceTarget['path']['hops'][number]>) => void,
  ) => {
    w.family(name, type, help);
    for (const [i, t] of traces.entries())
      for (const [h, hop] of t.path.hops.entries()) write(name, `${labels[i]},hop="${h + 1}"`, hop);
  };
  perHop(
    'netdiag_monitor_trace_hop_requests_total',
    'counter',
    'Trace probes sent at this hop (TTL).',
    (n, l, h) => w.sample(n, l, h.requests),
  );
  perHop(
    'netdiag_monitor_trace_hop_responses_total',
    'counter',
    'Trace probes answered at this hop (time exceeded, or the destination).',
    (n, l, h) => w.sample(n, l, h.responses),
  );
  perHop('netdiag_monitor_trace_hop_rtt_seconds', 'summary', 'RTT of the answers at this hop.', (n, l, h) => {
    w.sample(`${n}_sum`, l, h.rttSum);
    w.sample(`${n}_count`, l, h.responses);
  });
  w.family(
    'netdiag_monitor_trace_hops',
    'gauge',
    'Hops to the destination in the last round that reached it.',
  );
  traces.forEach((t, i) => {
    if (t.path.destinationHops > 0)
      w.sample('netdiag_monitor_trace_hops', labels[i]!, t.path.destinationHops);
  });
  w.family(
    'netdiag_monitor_trace_path_changes_total',
    'counter',
    'Rounds in which a hop answered from a responder not seen there in the last 30 rounds (known ECMP siblings are no change).',
  );
  for (const [i, t] of traces.entries())
    w.sample('netdiag_monitor_trace_path_changes_total', labels[i]!, t.path.pathChanges);
}
