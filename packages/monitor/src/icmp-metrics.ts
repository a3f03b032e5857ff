import { type ExpositionWriter, labelPairs } from './exposition.js';
import type { IcmpEngine } from './icmp-engine.js';
import type { IcmpTarget } from './icmp-target.js';

/** `host="…",ip="…"` per target, made once: the scrape of 10,000 targets reuses them. */
const labelCache = new WeakMap<IcmpTarget, Buffer>();
function labelsOf(t: IcmpTarget): Buffer {
  let labels = labelCache.get(t);
  if (labels === undefined) {
    labels = Buffer.from(labelPairs({ host: t.spec.host, ip: t.spec.address }));
    labelCache.set(t, labels);
  }
  return labels;
}

/**
 * The ICMP targets' metrics. Where the meaning is smokeping_prober's, its name, labels (`host`,
 * `ip`) and buckets; what it lacks (late replies, timeouts, errors, the agent's own delay) under
 * `netdiag_monitor_`.
 */
export function writeIcmpMetrics(w: ExpositionWriter, engine: IcmpEngine): void {
  const targets = [...engine.targets];
  const perTarget = (
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    value: (t: IcmpTarget) => number,
  ) => {
    w.family(name, type, help);
    for (const t of targets) w.sample(name, labelsOf(t), value(t));
  };
  perTarget('smokeping_requests_total', 'counter', 'Number of ping requests sent', (t) => t.sent);
  w.family(
    'smokeping_response_duration_seconds',
    'histogram',
    'A histogram of latencies for ping responses.',
  );
  for (const t of targets) w.histogram('smokeping_response_duration_seconds', labelsOf(t), t.rtt);
  w.family('smokeping_response_ttl', 'gauge', 'The last response Time To Live (TTL).');
  for (const t of targets) if (t.lastTtl >= 0) w.sample('smokeping_response_ttl', labelsOf(t), t.lastTtl);
  perTarget(
    'smokeping_response_duplicates_total',
    'counter',
    'The number of duplicated response packets.',
    (t) => t.duplicates,
  );
  perTarget(
    'netdiag_monitor_late_responses_total',
    'counter',
    'Echo replies that came after their timeout (not in the duration histogram).',
    (t) => t.late,
  );
  perTarget(
    'netdiag_monitor_timeouts_total',
    'counter',
    'Echo requests without a reply within their timeout.',
    (t) => t.timeouts,
  );
  perTarget(
    'netdiag_monitor_send_errors_total',
    'counter',
    'Echo requests the kernel refused to send (no route, buffer full).',
    (t) => t.sendErrors,
  );
  perTarget(
    'netdiag_monitor_icmp_errors_total',
    'counter',
    'Echo requests answered by an ICMP error (unreachable, time exceeded).',
    (t) => t.icmpErrors,
  );
  w.family(
    'netdiag_monitor_unmatched_replies_total',
    'counter',
    'Echo replies with the agent cookie that matched no remembered request.',
  );
  w.sample('netdiag_monitor_unmatched_replies_total', '', engine.counters.unmatchedReplies);
  w.family(
    'netdiag_monitor_skipped_sends_total',
    'counter',
    'Scheduled requests not sent because the agent fell a whole period behind.',
  );
  w.sample('netdiag_monitor_skipped_sends_total', '', engine.counters.skippedSends);
  w.family(
    'netdiag_monitor_scheduling_delay_seconds',
    'histogram',
    'How late each request left after its scheduled time: high values mean an overloaded agent, not a slow network.',
  );
  w.histogram('netdiag_monitor_scheduling_delay_seconds', '', engine.schedulingDelay);
  w.family('netdiag_monitor_targets', 'gauge', 'Targets probed, by protocol.');
  w.sample('netdiag_monitor_targets', 'protocol="icmp"', engine.size);
}
