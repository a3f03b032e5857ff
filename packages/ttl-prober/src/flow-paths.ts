import { MAX_RESPONDERS } from './hop-stats.js';
import type { TraceEvent } from './tracer.js';

/** What a flow's probe at one TTL came to: the fields of a `probe` event the paths need. */
export type FlowProbe = Pick<
  Extract<TraceEvent, { type: 'probe' }>,
  'flow' | 'ttl' | 'outcome' | 'responder' | 'kind' | 'rttMs' | 'mark'
>;

/** One responder of one flow at one TTL. */
export interface FlowResponder {
  readonly address: string;
  readonly replies: number;
  readonly bestMs: number;
  readonly avgMs: number;
}

/** One TTL of one flow's path; `responders` is empty where nothing answered. */
export interface FlowHop {
  readonly ttl: number;
  /** Probes of this flow at this TTL whose outcome is known. */
  readonly sent: number;
  readonly received: number;
  /**
   * Normally one: a flow keeps its header fields, so a per-flow load balancer keeps it on one
   * path. Several mean per-packet balancing or a route that changed during the trace.
   */
  readonly responders: readonly FlowResponder[];
  readonly reachedDestination: boolean;
  /** traceroute's unreachable mark (`!H` ...) seen here on this flow, '' if none. */
  readonly mark: string;
}

/** The path one flow took, TTL by TTL from the first TTL to the last it probed. */
export interface FlowPath {
  /** Index of the flow in the start event's `flows`. */
  readonly flow: number;
  readonly hops: readonly FlowHop[];
  readonly reached: boolean;
}

interface Cell {
  sent: number;
  received: number;
  reached: boolean;
  mark: string;
  readonly responders: Map<string, { replies: number; best: number; sum: number }>;
}

/**
 * Every flow's path, folded from probe outcomes (trippy's flows, Paris/Dublin traceroute's
 * per-flow paths). Memory is bounded: at most 16 flows × 255 TTLs × MAX_RESPONDERS responders.
 */
export class FlowPaths {
  readonly #cells = new Map<number, Map<number, Cell>>();

  constructor(readonly firstTtl = 1) {}

  record(p: FlowProbe): void {
    let flow = this.#cells.get(p.flow);
    if (!flow) {
      flow = new Map();
      this.#cells.set(p.flow, flow);
    }
    let cell = flow.get(p.ttl);
    if (!cell) {
      cell = { sent: 0, received: 0, reached: false, mark: '', responders: new Map() };
      flow.set(p.ttl, cell);
    }
    cell.sent++;
    if (p.outcome !== 'reply' || p.responder === null || p.rttMs === null) return;
    cell.received++;
    if (p.kind === 'reached') cell.reached = true;
    if (p.mark) cell.mark = p.mark;
    const r = cell.responders.get(p.responder);
    if (r) {
      r.replies++;
      r.best = Math.min(r.best, p.rttMs);
      r.sum += p.rttMs;
    } else if (cell.responders.size < MAX_RESPONDERS) {
      cell.responders.set(p.responder, { replies: 1, best: p.rttMs, sum: p.rttMs });
    }
  }

  /** Forgets everything (mtr's `r` key). */
  reset(): void {
    this.#cells.clear();
  }

  /**
   * Each flow that sent a probe, in flow order, with every TTL from the first to the last it
   * probed, cut at `destinationTtl` (probes beyond the destination only repeat it).
   */
  paths(destinationTtl?: number | null): FlowPath[] {
    const out: FlowPath[] = [];
    for (const flow of [...this.#cells.keys()].sort((a, b) => a - b)) {
      const cells = this.#cells.get(flow)!;
      let last = Math.max(...cells.keys());
      if (destinationTtl !== undefined && destinationTtl !== null) last = Math.min(last, destinationTtl);
      const hops: FlowHop[] = [];
      for (let ttl = this.firstTtl; ttl <= last; ttl++) {
        const c = cells.get(ttl);
        hops.push({
          ttl,
          sent: c?.sent ?? 0,
          received: c?.received ?? 0,
          responders: c
            ? [...c.responders].map(([address, r]) => ({
                address,
                replies: r.replies,
                bestMs: r.best,
                avgMs: r.sum / r.replies,
              }))
            : [],
          reachedDestination: c?.reached ?? false,
          mark: c?.mark ?? '',
        });
      }
      if (hops.length > 0) out.push({ flow, hops, reached: hops.some((h) => h.reachedDestination) });
    }
    return out;
  }
}

/** A path as text that is equal for equal paths: each TTL's responders, `*` where none answered. */
export function pathKey(path: FlowPath): string {
  return path.hops
    .map(
      (h) =>
        h.responders
          .map((r) => r.address)
          .sort()
          .join('|') || '*',
    )
    .join(' ');
}

/** Flows grouped by the path they took, most flows first (then by first flow). */
export function distinctPaths(paths: readonly FlowPath[]): { path: FlowPath; flows: number[] }[] {
  const groups = new Map<string, { path: FlowPath; flows: number[] }>();
  for (const p of paths) {
    const key = pathKey(p);
    const g = groups.get(key);
    if (g) g.flows.push(p.flow);
    else groups.set(key, { path: p, flows: [p.flow] });
  }
  return [...groups.values()].sort((a, b) => b.flows.length - a.flows.length || a.flows[0]! - b.flows[0]!);
}

/**
 * Per TTL, which flows each responder answered: a hop where flows meet different responders is
 * where the paths diverge. Flows with no answer at a TTL are not counted there.
 */
export function flowsByResponder(paths: readonly FlowPath[]): Map<number, Map<string, number[]>> {
  const out = new Map<number, Map<string, number[]>>();
  for (const p of paths) {
    for (const h of p.hops) {
      for (const r of h.responders) {
        let at = out.get(h.ttl);
        if (!at) {
          at = new Map();
          out.set(h.ttl, at);
        }
        const flows = at.get(r.address);
        if (flows) flows.push(p.flow);
        else at.set(r.address, [p.flow]);
      }
    }
  }
  return out;
}
