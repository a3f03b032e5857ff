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
    // Each interval at 10,000 targets used to make three objects per target (a row, a change
    // and a new mark): 3 MB a second, the marks living long enough to be promoted (issue 13).
    // Marks are now updated in place, and a row is made only for a target among the worst so far.
    const rows: TargetInterval[] = [];
    for (const t of this.engine.targets) {
      let m = this.marks.get(t);
      if (!m) {
        m = { sent: 0, responses: 0, timeouts: 0, late: 0, duplicates: 0, errors: 0, rttSum: 0 };
        this.marks.set(t, m);
      }
      const dSent = t.sent - m.sent;
      const dResponses = t.responses - m.responses;
      const dLost = t.timeouts - m.timeouts;
      const dLate = t.late - m.late;
      const dDuplicates = t.duplicates - m.duplicates;
      const dErrors = t.sendErrors + t.icmpErrors - m.errors;
      const dRttSum = t.rtt.sum - m.rttSum;
      m.sent = t.sent;
      m.responses = t.responses;
      m.timeouts = t.timeouts;
      m.late = t.late;
      m.duplicates = t.duplicates;
      m.errors = t.sendErrors + t.icmpErrors;
      m.rttSum = t.rtt.sum;
      sent += dSent;
      responses += dResponses;
      lost += dLost;
      late += dLate;
      duplicates += dDuplicates;
      errors += dErrors;
      rttSum += dRttSum;
      const decided = dResponses + dLost;
      const loss = decided === 0 ? Number.NaN : dLost / decided;
      const rttMean = dResponses === 0 ? Number.NaN : dRttSum / dResponses;
      // Not worse than the last of a full list: it cannot enter (ties keep the earlier target).
      const last = rows[rows.length - 1];
      if (rows.length >= worst && last && compareWorse(loss, rttMean, last.loss, last.rttMean) >= 0) continue;
      const row: TargetInterval = {
        host: t.spec.host,
        ip: t.spec.address,
        sent: dSent,
        responses: dResponses,
        lost: dLost,
        late: dLate,
        duplicates: dDuplicates,
        loss,
        rttMean,
        rttP50: withPercentiles ? t.rtt.quantile(0.5) : Number.NaN,
        rttP90: withPercentiles ? t.rtt.quantile(0.9) : Number.NaN,
      };
      if (!Number.isFinite(worst)) {
        rows.push(row);
        continue;
      }
      // Inserted after every row not better than it (as a stable sort would place it).
      let at = rows.length;
      while (at > 0 && worseFirst(rows[at - 1]!, row) > 0) at--;
      rows.splice(at, 0, row);
      if (rows.length > worst) rows.length = worst;
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
      worst: rows,
    };
  }
}

/** Worst first: more loss, then higher RTT; rows with nothing decided last. */
export function worseFirst(a: TargetInterval, b: TargetInterval): number {
  return compareWorse(a.loss, a.rttMean, b.loss, b.rttMean);
}

function compareWorse(lossA: number, rttA: number, lossB: number, rttB: number): number {
  const la = Number.isNaN(lossA) ? -1 : lossA;
  const lb = Number.isNaN(lossB) ? -1 : lossB;
  if (la !== lb) return lb - la;
  const ra = Number.isNaN(rttA) ? -1 : rttA;
  const rb = Number.isNaN(rttB) ? -1 : rttB;
  return rb - ra;
}
