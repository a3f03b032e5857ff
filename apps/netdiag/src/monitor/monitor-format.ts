import type { IntervalSummary } from '@netdiag/monitor';

const ms = (seconds: number) => (Number.isNaN(seconds) ? '-' : (seconds * 1000).toFixed(3));

/** One line per interval when piped: totals, loss, mean RTT and the agent's own delay. */
export function intervalLine(s: IntervalSummary, time: Date): string {
  const decided = s.responses + s.lost;
  const loss = decided === 0 ? '-' : `${((100 * s.lost) / decided).toFixed(1)}%`;
  const worst = s.worst[0];
  const worstText =
    worst && worst.lost > 0 ? ` worst ${worst.host} ${(100 * worst.loss).toFixed(0)}% loss` : '';
  return (
    `${time.toISOString().slice(11, 19)} targets ${s.targets} sent ${s.sent} replies ${s.responses} ` +
    `lost ${s.lost} (${loss}) late ${s.late} dup ${s.duplicates} errors ${s.errors} ` +
    `rtt ${ms(s.rttMean)} ms sched ${ms(s.schedulingDelayMean)} ms${worstText}`
  );
}

const num = (v: number) => (Number.isNaN(v) ? null : v);

/** The `interval` event of netdiag.monitor/1 (docs/json.md). */
export function intervalJson(s: IntervalSummary, time: Date): string {
  return JSON.stringify({
    schema: 'netdiag.monitor/1',
    type: 'interval',
    time: time.toISOString(),
    targets: s.targets,
    sent: s.sent,
    replies: s.responses,
    lost: s.lost,
    late: s.late,
    duplicates: s.duplicates,
    errors: s.errors,
    rttMeanMs: s.responses === 0 ? null : s.rttMean * 1000,
    schedulingDelayMeanMs: s.schedulingDelayMean * 1000,
    worst: s.worst.map((t) => ({
      host: t.host,
      ip: t.ip,
      sent: t.sent,
      replies: t.responses,
      lost: t.lost,
      late: t.late,
      duplicates: t.duplicates,
      loss: num(t.loss),
      rttMeanMs: Number.isNaN(t.rttMean) ? null : t.rttMean * 1000,
    })),
  });
}
