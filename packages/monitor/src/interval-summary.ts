import type { IcmpEngine } from './icmp-engine.js';
import type { IcmpTarget } from './icmp-target.js';

/** One target over one reporting interval. */
export interface TargetInterval {
  readonly host: string;
  readonly ip: string;
  readonly sent: number;
  readonly responses: number;
  readonly lost: number;
  readonly late: number;
  readonly duplicates: number;
  /** Lost share of the requests decided this interval (0 to 1); NaN when none was decided. */
  readonly loss: number;
  /** Mean RTT of this interval's responses, seconds; NaN without any. */
  readonly rttMean: number;
  /** Median and 90th percentile of every response so far (from the histogram), seconds. */
  readonly rttP50: number;
  readonly rttP90: number;
}

/** Every target's change since the previous `take()`, and the totals: the CLI's lines and NDJSON. */
export interface IntervalSummary {
  readonly targets: number;
  readonly sent: number;
  readonly responses: number;
  readonly lost: number;
  readonly late: number;
  readonly duplicates: number;
  readonly errors: number;
  readonly rttMean: number;
  /** The agent's mean scheduling delay over the interval, seconds. */
  readonly schedulingDelayMean: number;
  /** Targets by loss then RTT, worst first (at most `worst` of them). */
  readonly worst: readonly TargetInterval[];
}

interface Mark {
  sent: number;
  responses: number;
  timeouts: number;
  late: number;
  duplicates: number;
  errors: number;
  rttSum: number;
}

/** Keeps each target's counters at the last report; `take()` gives the difference. */
export class IntervalReporter {
  private readonly marks = new WeakMap<IcmpTarget, Mark>();
  private delaySum = 0;
  private delayCount = 0;

  constructor(private readonly engine: IcmpEngine) {}

  /** `worst`: how many rows to return; `withPercentiles`: estimate p50/p90 for each (a live view). */
  take(worst = 10, withPercentiles = false): IntervalSummary {
    let sent = 0;
    let responses = 0;
    let lost = 0;
    let late = 0;
    let duplicates = 0;
    let errors = 0;
    let rttSum = 0;
    const rows: TargetInterval[] = [];
    for (const t of this.engine.targets) {
      const m = this.marks.get(t) ?? {
        sent: 0,
        responses: 0,
        timeouts: 0,
        late: 0,
        duplicates: 0,
        errors: 0,
        rttSum: 0,
      };
      const d = {
        sent: t.sent - m.sent,
        responses: t.responses - m.responses,
        lost: t.timeouts - m.timeouts,
        late: t.late - m.late,
        duplicates: t.duplicates - m.duplicates,
        errors: t.sendErrors + t.icmpErrors - m.errors,
        rttSum: t.rtt.sum - m.rttSum,
      };
      this.marks.set(t, {
        sent: t.sent,
        responses: t.responses,
        timeouts: t.timeouts,
        late: t.late,
        duplicates: t.duplicates,
        errors: t.sendErrors + t.icmpErrors,
        rttSum: t.rtt.sum,
      });
      sent += d.sent;
      responses += d.responses;
      lost += d.lost;
      late += d.late;
      duplicates += d.duplicates;
      errors += d.errors;
      rttSum += d.rttSum;
      const decided = d.responses + d.lost;
      rows.push({
        host: t.spec.host,
        ip: t.spec.address,
        sent: d.sent,
        responses: d.responses,
        lost: d.lost,
        late: d.late,
        duplicates: d.duplicates,
        loss: decided === 0 ? Number.NaN : d.lost / decided,
        rttMean: d.responses === 0 ? Number.NaN : d.rttSum / d.responses,
        rttP50: withPercentiles ? t.rtt.quantile(0.5) : Number.NaN,
        rttP90: withPercentiles ? t.rtt.quantile(0.9) : Number.NaN,
      });
    }
    rows.sort(worseFirst);
    const delay = this.engine.schedulingDelay;
    const delayMean =
      delay.count > this.delayCount ? (delay.sum - this.delaySum) / (delay.count - this.delayCount) : 0;
    this.delaySum = delay.sum;
    this.delayCount = delay.count;
    return {
      targets: this.engine.size,
      sent,
      responses,
      lost,
      late,
      duplicates,
      errors,
      rttMean: responses === 0 ? Number.NaN : rttSum / responses,
      schedulingDelayMean: delayMean,
      worst: rows.slice(0, worst),
    };
  }
}

/** Worst first: more loss, then higher RTT; rows with nothing decided last. */
export function worseFirst(a: TargetInterval, b: TargetInterval): number {
  const la = Number.isNaN(a.loss) ? -1 : a.loss;
  const lb = Number.isNaN(b.loss) ? -1 : b.loss;
  if (la !== lb) return lb - la;
  const ra = Number.isNaN(a.rttMean) ? -1 : a.rttMean;
  const rb = Number.isNaN(b.rttMean) ? -1 : b.rttMean;
  return rb - ra;
}
