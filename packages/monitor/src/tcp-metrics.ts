import { type ExpositionWriter, labelPairs } from './exposition.js';
import type { TcpTarget } from './tcp-target.js';

/** Continuous TCP connects (+TLS): attempts, successes, failures by reason, times as histograms. */
export function writeTcpMetrics(w: ExpositionWriter, targets: readonly TcpTarget[]): void {
  if (targets.length === 0) return;
  const labels = targets.map((t) =>
    labelPairs({
      target: t.spec.target,
      tls: t.spec.tls ? 'true' : 'false',
      server_name: t.spec.tls?.serverName ?? '',
    }),
  );
  w.family('netdiag_monitor_tcp_requests_total', 'counter', 'TCP connections attempted.');
  for (const [i, t] of targets.entries())
    w.sample('netdiag_monitor_tcp_requests_total', labels[i]!, t.requests);
  w.family(
    'netdiag_monitor_tcp_successes_total',
    'counter',
    'Connections made (and, with TLS, handshakes completed).',
  );
  for (const [i, t] of targets.entries())
    w.sample('netdiag_monitor_tcp_successes_total', labels[i]!, t.successes);
  w.family('netdiag_monitor_tcp_failures_total', 'counter', 'Connections that failed, by reason.');
  for (const [i, t] of targets.entries())
    for (const [reason, n] of t.failures)
      w.sample('netdiag_monitor_tcp_failures_total', `${labels[i]},reason="${reason}"`, n);
  w.family(
    'netdiag_monitor_tcp_connect_duration_seconds',
    'histogram',
    'Time to complete the TCP handshake.',
  );
  for (const [i, t] of targets.entries())
    w.histogram('netdiag_monitor_tcp_connect_duration_seconds', labels[i]!, t.connect);
  if (!targets.some((t) => t.spec.tls)) return;
  w.family(
    'netdiag_monitor_tls_handshake_duration_seconds',
    'histogram',
    'Time to complete the TLS handshake.',
  );
  for (const [i, t] of targets.entries())
    if (t.spec.tls) w.histogram('netdiag_monitor_tls_handshake_duration_seconds', labels[i]!, t.handshake);
}
