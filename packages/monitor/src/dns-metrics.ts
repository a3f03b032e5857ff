import type { DnsTarget } from './dns-target.js';
import { type ExpositionWriter, labelPairs } from './exposition.js';

/**
 * Continuous DNS targets: queries, answers by rcode, failures by kind (both fixed sets of label
 * values) and the response time as a histogram with smokeping_prober's buckets.
 */
export function writeDnsMetrics(w: ExpositionWriter, targets: readonly DnsTarget[]): void {
  if (targets.length === 0) return;
  const labels = targets.map((t) =>
    labelPairs({ server: t.spec.server, name: t.spec.name, type: t.spec.type, transport: t.spec.transport }),
  );
  w.family('netdiag_monitor_dns_requests_total', 'counter', 'DNS queries sent.');
  for (const [i, t] of targets.entries())
    w.sample('netdiag_monitor_dns_requests_total', labels[i]!, t.requests);
  w.family('netdiag_monitor_dns_responses_total', 'counter', 'DNS answers, by rcode.');
  for (const [i, t] of targets.entries())
    for (const [rcode, n] of t.answers)
      w.sample('netdiag_monitor_dns_responses_total', `${labels[i]},rcode="${rcode}"`, n);
  w.family('netdiag_monitor_dns_failures_total', 'counter', 'DNS queries without an answer, by reason.');
  for (const [i, t] of targets.entries())
    for (const [reason, n] of t.failures)
      w.sample('netdiag_monitor_dns_failures_total', `${labels[i]},reason="${reason}"`, n);
  w.family(
    'netdiag_monitor_dns_response_duration_seconds',
    'histogram',
    'Time from a DNS query to its answer.',
  );
  for (const [i, t] of targets.entries())
    w.histogram('netdiag_monitor_dns_response_duration_seconds', labels[i]!, t.duration);
}
