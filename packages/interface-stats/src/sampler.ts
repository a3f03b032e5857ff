import {
  type CounterSnapshot,
  type CounterWidth,
  computeRates,
  type InterfaceRate,
  type Rates,
} from './rates.js';
import { RingBuffer } from './ring-buffer.js';

export interface RatePoint {
  readonly atMs: number;
  readonly rates: Rates;
}

export interface SamplerOptions {
  /** Rate points kept per interface (default 60: a minute at one sample a second). */
  readonly historyLength?: number;
  readonly counterWidth?: CounterWidth;
}

/**
 * Turns a stream of counter snapshots into rates with a bounded history per interface. It holds
 * state per instance (never per module), takes snapshots from the caller and reads no clock:
 * the caller decides when and how to sample.
 */
export class InterfaceSampler {
  readonly historyLength: number;
  readonly counterWidth: CounterWidth;
  #previous: CounterSnapshot | undefined;
  readonly #histories = new Map<string, RingBuffer<RatePoint>>();

  constructor(options: SamplerOptions = {}) {
    this.historyLength = options.historyLength ?? 60;
    this.counterWidth = options.counterWidth ?? 64;
    if (!Number.isInteger(this.historyLength) || this.historyLength < 1) {
      throw new RangeError(`historyLength must be a positive integer, got ${this.historyLength}`);
    }
  }

  /** Adds a snapshot; returns each interface's rate since the previous one (none on the first). */
  push(snapshot: CounterSnapshot): InterfaceRate[] {
    const previous = this.#previous;
    this.#previous = snapshot;
    if (previous === undefined)
      return [...snapshot.interfaces.keys()].map((name) => ({ name, status: 'appeared' as const }));
    const result = computeRates(previous, snapshot, this.counterWidth);
    for (const r of result) {
      if (r.status === 'measured') {
        let h = this.#histories.get(r.name);
        if (h === undefined) {
          h = new RingBuffer(this.historyLength);
          this.#histories.set(r.name, h);
        }
        h.push({ atMs: snapshot.atMs, rates: r.rates });
      } else {
        // A new or recreated interface starts a new history; a vanished one keeps none.
        this.#histories.delete(r.name);
      }
    }
    return result;
  }

  /** Rate points of one interface, oldest first. */
  history(name: string): readonly RatePoint[] {
    return this.#histories.get(name)?.toArray() ?? [];
  }
}
