import type { IntervalSummary, TargetInterval } from '@netdiag/monitor';

/** Intervals of history per target: the loss column and the sparkline cover these. */
export const HISTORY = 60;

export interface MonitorRow {
  readonly host: string;
  readonly ip: string;
  /** Lost share over the history window (0 to 1), NaN before anything was decided. */
  readonly loss: number;
  readonly last: number;
  readonly p50: number;
  readonly p90: number;
  /** Mean RTT (ms) per interval, 'lost' where the interval lost all it decided. */
  readonly history: readonly (number | 'lost')[];
}

export interface MonitorSnapshot {
  readonly totals: IntervalSummary | undefined;
  /** Worst first: most loss over the window, then highest median RTT. */
  readonly rows: readonly MonitorRow[];
}

interface Track {
  history: (number | 'lost')[];
  decided: number[];
  lost: number[];
  last: TargetInterval;
}

/** What the live view shows, fed one interval summary (every target's row) a second. */
export class MonitorBoard {
  private readonly tracks = new Map<string, Track>();
  private totals: IntervalSummary | undefined;

  apply(summary: IntervalSummary): void {
    this.totals = summary;
    const seen = new Set<string>();
    for (const row of summary.worst) {
      const key = `${row.host}\u0000${row.ip}`;
      seen.add(key);
      let track = this.tracks.get(key);
      if (!track) {
        track = { history: [], decided: [], lost: [], last: row };
        this.tracks.set(key, track);
      }
      track.last = row;
      const decided = row.responses + row.lost;
      if (decided > 0) track.history.push(row.responses === 0 ? 'lost' : row.rttMean * 1000);
      track.decided.push(decided);
      track.lost.push(row.lost);
      for (const list of [track.history, track.decided, track.lost]) if (list.length > HISTORY) list.shift();
    }
    // A target a reload removed leaves the board.
    for (const key of this.tracks.keys()) if (!seen.has(key)) this.tracks.delete(key);
  }

  snapshot(): MonitorSnapshot {
    const rows: MonitorRow[] = [];
    for (const t of this.tracks.values()) {
      const decided = t.decided.reduce((a, b) => a + b, 0);
      const lost = t.lost.reduce((a, b) => a + b, 0);
      rows.push({
        host: t.last.host,
        ip: t.last.ip,
        loss: decided === 0 ? Number.NaN : lost / decided,
        last: t.last.rttMean * 1000,
        p50: t.last.rttP50 * 1000,
        p90: t.last.rttP90 * 1000,
        history: t.history,
      });
    }
    const key = (v: number) => (Number.isNaN(v) ? -1 : v);
    rows.sort((a, b) => key(b.loss) - key(a.loss) || key(b.p50) - key(a.p50));
    return { totals: this.totals, rows };
  }
}
