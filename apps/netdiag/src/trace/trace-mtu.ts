import type { HopSnapshot, TraceEvent } from '@netdiag/ttl-prober';

// `trace --mtu` in every output: what each one adds, kept here so the formats stay as they were
// without it.

type ProbeEvent = Extract<TraceEvent, { type: 'probe' }>;
type PmtuEvent = Extract<TraceEvent, { type: 'pmtu' }>;

/**
 * The ` pmtu N` traceroute lines end with where the path MTU changes, as tracepath prints it:
 * on the first hop that answered (the interface MTU, tracepath's `[LOCALHOST]` line), then on
 * each hop whose largest answered probe is smaller than the hop's before.
 */
export class PmtuLines {
  #last: number | undefined;

  suffix(probes: readonly ProbeEvent[]): string {
    let size: number | undefined;
    for (const p of probes)
      if (p.outcome === 'reply' && p.size !== undefined && (size === undefined || p.size > size))
        size = p.size;
    if (size === undefined || size === this.#last) return '';
    this.#last = size;
    return ` pmtu ${size}`;
  }
}

/**
 * tracepath's last line: the path MTU to the farthest hop that answered (the destination's when
 * it did), and the hops to it. Undefined when no hop answered.
 */
export function mtuResume(hops: readonly HopSnapshot[], reached: boolean): string | undefined {
  const last = hops.findLast((h) => h.pmtu !== undefined);
  if (last?.pmtu === undefined) return undefined;
  return `     Resume: pmtu ${last.pmtu}${reached ? ` hops ${hops.at(-1)!.ttl}` : ''}`;
}

/** traceroute's first line, where probe sizes are what the search finds. */
export function mtuTraceHeader(host: string, address: string, maxTtl: number): string {
  return `traceroute to ${host} (${address}), ${maxTtl} hops max, path MTU discovery from the interface MTU`;
}

/** The report's and CSV's column head, and a hop's cell (empty before it answered). */
export const PMTU_HEAD = 'PMTU'.padStart(6);
export const pmtuCell = (h: HopSnapshot): string => String(h.pmtu ?? '').padStart(6);
export const PMTU_CSV_HEAD = 'pmtu';

/** `--json`: a hop's and a probe's fields, present only with --mtu. */
export const hopPmtuJson = (h: HopSnapshot) => (h.pmtu !== undefined ? { pmtu: h.pmtu } : {});
export const probeSizeJson = (e: ProbeEvent) => (e.size !== undefined ? { size: e.size } : {});

/** `--json`: the event of a limit the search learned. */
export function pmtuEventJson(e: PmtuEvent) {
  return { type: 'pmtu', time: new Date(e.time).toISOString(), ttl: e.ttl, mtu: e.mtu, from: e.from };
}
