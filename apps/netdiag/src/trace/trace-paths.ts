import { distinctPaths, type FlowPath } from '@netdiag/ttl-prober';

type NameOf = (address: string) => string | undefined;

/** One flow's path in `--json`'s end event. */
export function pathJson(p: FlowPath, nameOf: NameOf) {
  return {
    flow: p.flow,
    reached: p.reached,
    hops: p.hops.map((h) => ({
      ttl: h.ttl,
      sent: h.sent,
      received: h.received,
      responders: h.responders.map((r) => ({
        address: r.address,
        name: nameOf(r.address) ?? null,
        replies: r.replies,
        bestMs: r.bestMs,
        avgMs: r.avgMs,
      })),
      reachedDestination: h.reachedDestination,
      mark: h.mark,
    })),
  };
}

/**
 * The paths of a multi-flow trace as text, after traceroute's lines or mtr's report: flows that
 * took the same path grouped, each path hop by hop (Dublin traceroute prints one per flow; with
 * 16 flows over two branches, two blocks read better than sixteen). A hop where the path differs
 * from the first one is marked `≠`.
 */
export function pathLines(paths: readonly FlowPath[], numeric: boolean, nameOf: NameOf): string[] {
  const groups = distinctPaths(paths);
  if (groups.length === 0) return [];
  const host = (a: string) => {
    const name = numeric ? undefined : nameOf(a);
    return name ? `${name} (${a})` : a;
  };
  const first = new Map(groups[0]!.path.hops.map((h) => [h.ttl, key(h.responders)]));
  const lines = [`Paths of ${paths.length} flow${paths.length === 1 ? '' : 's'}: ${groups.length} distinct`];
  groups.forEach((g, i) => {
    lines.push(
      `path ${i + 1}, ${g.flows.length} flow${g.flows.length === 1 ? '' : 's'} (${g.flows.join(' ')}):`,
    );
    for (const h of g.path.hops) {
      const differs = i > 0 && first.get(h.ttl) !== key(h.responders) ? '≠' : ' ';
      const who = h.responders.length ? h.responders.map((r) => host(r.address)).join(', ') : '*';
      lines.push(`${differs}${String(h.ttl).padStart(3)}. ${who}${h.mark ? ` ${h.mark}` : ''}`);
    }
  });
  return lines;
}

const key = (rs: readonly { address: string }[]) =>
  rs
    .map((r) => r.address)
    .sort()
    .join('|');
