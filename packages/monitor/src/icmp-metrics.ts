import { SMOKEPING_BUCKETS } from './buckets.js';
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

// A target's numbers in a snapshot row: these, then its RTT histogram's per-bucket counts.
const SENT = 0;
const DUPLICATES = 1;
const LATE = 2;
const TIMEOUTS = 3;
const SEND_ERRORS = 4;
const ICMP_ERRORS = 5;
const LAST_TTL = 6;
const RTT_SUM = 7;
const RTT_COUNT = 8;
const BUCKETS = 9;
const STRIDE = BUCKETS + SMOKEPING_BUCKETS.length;

/**
 * Every ICMP target's counters at one instant, in one typed array (10,000 targets: 2.3 MB). A
 * scrape is written from it in chunks, as the client takes them, and still reports one moment:
 * a target's requests and its replies come from the same instant, whatever the agent counted
 * while the body was on its way (the whole 27 MB body is never held at once).
 */
export class IcmpSnapshot {
  readonly targets: readonly IcmpTarget[];
  readonly values: Float64Array;
  readonly unmatchedReplies: number;
  readonly skippedSends: number;
  readonly delayCounts: Float64Array;
  readonly delaySum: number;
  readonly delayCount: number;
  readonly delayBounds: readonly number[];

  constructor(engine: IcmpEngine) {
    this.targets = [...engine.targets];
    const v = new Float64Array(this.targets.length * STRIDE);
    for (let i = 0; i < this.targets.length; i++) {
      const t = this.targets[i]!;
      const row = i * STRIDE;
      v[row + SENT] = t.sent;
      v[row + DUPLICATES] = t.duplicates;
      v[row + LATE] = t.late;
      v[row + TIMEOUTS] = t.timeouts;
      v[row + SEND_ERRORS] = t.sendErrors;
      v[row + ICMP_ERRORS] = t.icmpErrors;
      v[row + LAST_TTL] = t.lastTtl;
      v[row + RTT_SUM] = t.rtt.sum;
      v[row + RTT_COUNT] = t.rtt.count;
      v.set(t.rtt.counts, row + BUCKETS);
    }
    this.values = v;
    this.unmatchedReplies = engine.counters.unmatchedReplies;
    this.skippedSends = engine.counters.skippedSends;
    const delay = engine.schedulingDelay;
    this.delayCounts = delay.counts.slice();
    this.delaySum = delay.sum;
    this.delayCount = delay.count;
    this.delayBounds = delay.bounds;
  }
}

/** Targets written between two yields of `icmpMetricLines`: at most about 90 KB of text. */
const TARGETS_PER_STEP = 64;

/** The ICMP targets' metrics, written at once. */
export function writeIcmpMetrics(w: ExpositionWriter, engine: IcmpEngine): void {
  for (const _ of icmpMetricLines(w, new IcmpSnapshot(engine)));
}

/**
 * The ICMP targets' metrics from a snapshot, yielding every few hundred targets so that the
 * caller can hand what `w` holds to the client (`w.take()`) before it writes more. Where the
 * meaning is smokeping_prober's, its name, labels (`host`, `ip`) and buckets; what it lacks
 * (late replies, timeouts, errors, the agent's own delay) under `netdiag_monitor_`.
 */
export function* icmpMetricLines(w: ExpositionWriter, s: IcmpSnapshot): Generator<void, void, undefined> {
  const { targets, values } = s;
  const n = targets.length;
  const perTarget = function* (
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    field: number,
  ): Generator<void, void, undefined> {
    w.family(name, type, help);
    for (let i = 0; i < n; i++) {
      const value = values[i * STRIDE + field]!;
      if (field !== LAST_TTL || value >= 0) w.sample(name, labelsOf(targets[i]!), value);
      if (i % TARGETS_PER_STEP === TARGETS_PER_STEP - 1) yield;
    }
  };
  yield* perTarget('smokeping_requests_total', 'counter', 'Number of ping requests sent', SENT);
  w.family(
    'smokeping_response_duration_seconds',
    'histogram',
    'A histogram of latencies for ping responses.',
  );
  for (let i = 0; i < n; i++) {
    const row = i * STRIDE;
    w.histogramCounts(
      'smokeping_response_duration_seconds',
      labelsOf(targets[i]!),
      SMOKEPING_BUCKETS,
      values,
      row + BUCKETS,
      values[row + RTT_SUM]!,
      values[row + RTT_COUNT]!,
    );
    if (i % TARGETS_PER_STEP === TARGETS_PER_STEP - 1) yield;
  }
  yield* perTarget('smokeping_response_ttl', 'gauge', 'The last response Time To Live (TTL).', LAST_TTL);
  yield* perTarget(
    'smokeping_response_duplicates_total',
    'counter',
    'The number of duplicated response packets.',
    DUPLICATES,
  );
  yield* perTarget(
    'netdiag_monitor_late_responses_total',
    'counter',
    'Echo replies that came after their timeout (not in the duration histogram).',
    LATE,
  );
  yield* perTarget(
    'netdiag_monitor_timeouts_total',
    'counter',
    'Echo requests without a reply within their timeout.',
    TIMEOUTS,
  );
  yield* perTarget(
    'netdiag_monitor_send_errors_total',
    'counter',
    'Echo requests the kernel refused to send (no route, buffer full).',
    SEND_ERRORS,
  );
  yield* perTarget(
    'netdiag_monitor_icmp_errors_total',
    'counter',
    'Echo requests answered by an ICMP error (unreachable, time exceeded).',
    ICMP_ERRORS,
  );
  w.family(
    'netdiag_monitor_unmatched_replies_total',
    'counter',
    'Echo replies with the agent cookie that matched no remembered request.',
  );
  w.sample('netdiag_monitor_unmatched_replies_total', '', s.unmatchedReplies);
  w.family(
    'netdiag_monitor_skipped_sends_total',
    'counter',
    'Scheduled requests not sent because the agent fell a whole period behind.',
  );
  w.sample('netdiag_monitor_skipped_sends_total', '', s.skippedSends);
  w.family(
    'netdiag_monitor_scheduling_delay_seconds',
    'histogram',
    'How late each request left after its scheduled time: high values mean an overloaded agent, not a slow network.',
  );
  w.histogramCounts(
    'netdiag_monitor_scheduling_delay_seconds',
    '',
    s.delayBounds,
    s.delayCounts,
    0,
    s.delaySum,
    s.delayCount,
  );
  w.family('netdiag_monitor_targets', 'gauge', 'Targets probed, by protocol.');
  w.sample('netdiag_monitor_targets', 'protocol="icmp"', n);
}
