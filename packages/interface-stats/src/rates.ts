import { type Counters, counterNames } from './types.js';

export type CounterName = (typeof counterNames)[number];

/** Counter width: 64 on every 64-bit kernel (rtnl_link_stats64); 32 for old drivers on 32-bit kernels. */
export type CounterWidth = 32 | 64;

/** Counters of every interface at one moment. */
export interface CounterSnapshot {
  /** Monotonic time in milliseconds (performance.now()); never wall-clock time, which jumps. */
  readonly atMs: number;
  readonly interfaces: ReadonlyMap<string, { readonly index?: number; readonly counters: Counters }>;
}

export interface Rates {
  readonly rxBitsPerSecond: number;
  readonly txBitsPerSecond: number;
  readonly rxPacketsPerSecond: number;
  readonly txPacketsPerSecond: number;
  readonly rxErrorsPerSecond: number;
  readonly txErrorsPerSecond: number;
  readonly rxDroppedPerSecond: number;
  readonly txDroppedPerSecond: number;
}

export type CounterDeltas = { readonly [K in CounterName]: bigint };

/** What happened to one interface between two snapshots. */
export type InterfaceRate =
  | {
      readonly name: string;
      readonly status: 'measured';
      readonly intervalMs: number;
      readonly deltas: CounterDeltas;
      readonly rates: Rates;
      /** Counters that wrapped past their width in this interval (their delta includes the wrap). */
      readonly wrapped: readonly CounterName[];
      /** Counters that went back to a lower value (the driver reset them): counted from zero. */
      readonly reset: readonly CounterName[];
    }
  /** New since the last snapshot: no rate until the next one. */
  | { readonly name: string; readonly status: 'appeared' }
  /** Same name, new interface index: deleted and created again, so no rate across the two. */
  | { readonly name: string; readonly status: 'recreated' }
  | { readonly name: string; readonly status: 'vanished' };

const two32 = 1n << 32n;
const two63 = 1n << 63n;
const two64 = 1n << 64n;

/**
 * The increase of a counter between two readings. A decrease is a wrap when the counter was near
 * the top of its width (any value of a 32-bit counter, the upper half of a 64-bit one: a 64-bit
 * byte counter needs decades at 100 Gbit/s to get there); otherwise the driver reset it, and the
 * new value is what was counted since (as Prometheus' rate() does).
 */
export function counterDelta(
  prev: bigint,
  next: bigint,
  width: CounterWidth,
): { delta: bigint; kind: 'normal' | 'wrapped' | 'reset' } {
  if (next >= prev) return { delta: next - prev, kind: 'normal' };
  if (width === 32 && prev < two32 && next < two32) return { delta: two32 - prev + next, kind: 'wrapped' };
  if (prev >= two63 && prev < two64) return { delta: two64 - prev + next, kind: 'wrapped' };
  return { delta: next, kind: 'reset' };
}

/** Rates of every interface between two snapshots; pure. Throws when time did not advance. */
export function computeRates(
  prev: CounterSnapshot,
  next: CounterSnapshot,
  width: CounterWidth = 64,
): InterfaceRate[] {
  const intervalMs = next.atMs - prev.atMs;
  if (!(intervalMs > 0))
    throw new RangeError(`snapshots must be taken in time order (interval ${intervalMs} ms)`);
  const out: InterfaceRate[] = [];
  for (const [name, now] of next.interfaces) {
    const before = prev.interfaces.get(name);
    if (before === undefined) {
      out.push({ name, status: 'appeared' });
      continue;
    }
    if (before.index !== undefined && now.index !== undefined && before.index !== now.index) {
      out.push({ name, status: 'recreated' });
      continue;
    }
    const deltas = {} as Record<CounterName, bigint>;
    const wrapped: CounterName[] = [];
    const reset: CounterName[] = [];
    for (const c of counterNames) {
      const d = counterDelta(before.counters[c], now.counters[c], width);
      deltas[c] = d.delta;
      if (d.kind === 'wrapped') wrapped.push(c);
      else if (d.kind === 'reset') reset.push(c);
    }
    const perSecond = (d: bigint) => (Number(d) * 1000) / intervalMs;
    out.push({
      name,
      status: 'measured',
      intervalMs,
      deltas,
      rates: {
        rxBitsPerSecond: perSecond(deltas.rxBytes) * 8,
        txBitsPerSecond: perSecond(deltas.txBytes) * 8,
        rxPacketsPerSecond: perSecond(deltas.rxPackets),
        txPacketsPerSecond: perSecond(deltas.txPackets),
        rxErrorsPerSecond: perSecond(deltas.rxErrors),
        txErrorsPerSecond: perSecond(deltas.txErrors),
        rxDroppedPerSecond: perSecond(deltas.rxDropped),
        txDroppedPerSecond: perSecond(deltas.txDropped),
      },
      wrapped,
      reset,
    });
  }
  for (const name of prev.interfaces.keys()) {
    if (!next.interfaces.has(name)) out.push({ name, status: 'vanished' });
  }
  return out;
}
