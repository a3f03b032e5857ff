import { type PingEvent, type PingTarget, RttStats, type RttSummary } from '@netdiag/icmp';

/** One sample of a target's recent history: an RTT in ms, or a loss. */
export type HistorySample = number | 'lost';

/** What the live view shows of one target. Plain data: the view only renders it. */
export interface BoardRow {
  readonly target: PingTarget;
  readonly sent: number;
  readonly received: number;
  /** Packets that claimed to answer but did not check out: neither received nor lost. */
  readonly corrupt: number;
  readonly lossPercent: number;
  readonly last: HistorySample | null;
  readonly rtt: RttSummary | null;
  readonly history: readonly HistorySample[];
}

export interface BoardSnapshot {
  readonly rows: readonly BoardRow[];
  readonly ended: boolean;
}

/**
 * The live state of a ping run, folded from its events. Memory is bounded: statistics are
 * running sums and the history keeps the last `historyLength` samples.
 */
export class PingBoard {
  readonly #rows: {
    target: PingTarget;
    sent: number;
    received: number;
    corrupt: number;
    settled: number;
    last: HistorySample | null;
    stats: RttStats;
    history: HistorySample[];
  }[] = [];
  #ended = false;

  constructor(readonly historyLength = 60) {}

  apply(e: PingEvent): void {
    if (e.type === 'start') {
      for (const t of e.targets) {
        this.#rows[t.index] = {
          target: t,
          sent: 0,
          received: 0,
          corrupt: 0,
          settled: 0,
          last: null,
          stats: new RttStats(),
          history: [],
        };
      }
      return;
    }
    if (e.type === 'end') {
      this.#ended = true;
      return;
    }
    const row = this.#rows[e.target];
    if (!row) return;
    const push = (s: HistorySample) => {
      row.last = s;
      row.history.push(s);
      if (row.history.length > this.historyLength) row.history.shift();
    };
    switch (e.type) {
      case 'sent':
        row.sent++;
        break;
      case 'reply':
        if (e.duplicate || e.late) break;
        row.received++;
        row.settled++;
        row.stats.add(e.rtt);
        push(e.rtt);
        break;
      case 'timeout':
      case 'icmp-error':
        row.settled++;
        push('lost');
        break;
      case 'corrupt':
        // Settles nothing: the request may still get a good reply, or time out.
        row.corrupt++;
        break;
      case 'send-error':
        row.sent++;
        row.settled++;
        push('lost');
        break;
    }
  }

  snapshot(): BoardSnapshot {
    return {
      ended: this.#ended,
      rows: this.#rows.map((r) => ({
        target: r.target,
        sent: r.sent,
        received: r.received,
        corrupt: r.corrupt,
        // Loss over settled probes only: one still in flight is not lost yet.
        lossPercent: r.settled === 0 ? 0 : ((r.settled - r.received) * 100) / r.settled,
        last: r.last,
        rtt: r.stats.summary(),
        history: [...r.history],
      })),
    };
  }
}
