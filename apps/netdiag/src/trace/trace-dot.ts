import { type FlowPath, sanitizeName } from '@netdiag/ttl-prober';
import { formatRtt } from '../ping/ping-format.js';

/** What `--dot` draws: the trace's ends and every flow's path. */
export interface TraceDotInput {
  /** The host as the user named it, and its address. */
  readonly host: string;
  readonly address: string;
  /** The address probes left from. */
  readonly source: string;
  readonly paths: readonly FlowPath[];
  readonly nameOf: (address: string) => string | undefined;
}

/**
 * A DOT string from untrusted text (PTR names, the host typed): control characters and bidi
 * overrides removed, then `\` and `"` escaped. A label's own `\l`, `\N`, `\G` ... would
 * otherwise be read by Graphviz as layout escapes and name substitutions.
 */
export function dotEscape(text: string): string {
  return sanitizeName(text).replace(/[\\"]/g, (c) => `\\${c}`);
}

/** A quoted label of several lines. */
const label = (lines: readonly string[]) => `"${lines.map(dotEscape).join('\\n')}"`;

const hopRange = (from: number, to: number) => (from === to ? `hop ${from}` : `hops ${from}-${to}`);
const flowsText = (n: number) => `${n} flow${n === 1 ? '' : 's'}`;

interface NodeInfo {
  readonly id: string;
  /** Per TTL it answered at: replies and the sum of their RTTs, over every flow. */
  readonly ttls: Map<number, { replies: number; sum: number }>;
  mark: string;
}

interface EdgeInfo {
  readonly from: string;
  readonly to: string;
  /** The unanswered TTLs the edge crosses (dashed), or undefined for consecutive TTLs. */
  readonly gap: readonly [number, number] | undefined;
  readonly flows: Set<number>;
}

/**
 * The graph of responders of a multi-flow trace in Graphviz DOT, merged across flows (as Paris
 * traceroute's MDA and trippy's flows draw it). Nodes are the source, every responder and the
 * target; labels carry the hop(s) a responder answered at and its mean RTT there. An edge joins
 * two responders only where one flow met them at consecutive TTLs; across TTLs where that flow
 * heard nothing the edge is dashed and names the silent hops. A flow that ends in silence ends
 * in the dashed `no reply` node, not at a guessed next hop.
 */
export function traceDot(input: TraceDotInput): string {
  const nodes = new Map<string, NodeInfo>();
  const edges = new Map<string, EdgeInfo>();
  const node = (address: string) => {
    let n = nodes.get(address);
    if (!n) {
      n = { id: `n${nodes.size + 1}`, ttls: new Map(), mark: '' };
      nodes.set(address, n);
    }
    return n;
  };
  const edge = (from: string, to: string, gap: readonly [number, number] | undefined, flow: number) => {
    const key = `${from} ${to} ${gap?.join('-') ?? ''}`;
    let e = edges.get(key);
    if (!e) {
      e = { from, to, gap, flows: new Set() };
      edges.set(key, e);
    }
    e.flows.add(flow);
  };

  const SOURCE = 'source';
  const SILENT = 'silent';
  const target = node(input.address);
  for (const path of input.paths) {
    let previous: string[] = [SOURCE];
    let previousTtl = 0;
    for (const hop of path.hops) {
      if (hop.responders.length === 0) continue;
      const here: string[] = [];
      for (const r of hop.responders) {
        const n = node(r.address);
        const at = n.ttls.get(hop.ttl) ?? { replies: 0, sum: 0 };
        at.replies += r.replies;
        at.sum += r.avgMs * r.replies;
        n.ttls.set(hop.ttl, at);
        if (hop.mark) n.mark = hop.mark;
        here.push(n.id);
      }
      const gap = hop.ttl - previousTtl > 1 ? ([previousTtl + 1, hop.ttl - 1] as const) : undefined;
      for (const from of previous) for (const to of here) edge(from, to, gap, path.flow);
      previous = here;
      previousTtl = hop.ttl;
      if (hop.reachedDestination || hop.mark) break;
    }
    const lastTtl = path.hops.at(-1)?.ttl ?? previousTtl;
    if (!path.reached && lastTtl > previousTtl)
      for (const from of previous) edge(from, SILENT, [previousTtl + 1, lastTtl], path.flow);
  }

  const rtt = (t: { replies: number; sum: number }) => `${formatRtt(t.sum / t.replies)} ms`;
  const lines = [
    'digraph trace {',
    `  label=${label([`netdiag trace to ${input.host === input.address ? input.address : `${input.host} (${input.address})`}, ${flowsText(input.paths.length)}`])};`,
    '  labelloc=t;',
    '  node [shape=box, fontname="monospace"];',
    '  edge [fontname="monospace", fontsize=10];',
    `  ${SOURCE} [shape=ellipse, label=${label(['source', input.source])}];`,
  ];
  for (const [address, n] of nodes) {
    const name = input.nameOf(address);
    const text = [...(name && name !== address ? [name] : []), address];
    if (n === target && input.host !== address && name !== input.host) text.unshift(input.host);
    for (const [ttl, t] of [...n.ttls].sort(([a], [b]) => a - b)) text.push(`hop ${ttl}  ${rtt(t)}`);
    if (n.mark) text.push(n.mark);
    if (n === target && n.ttls.size === 0) text.push('no reply');
    const shape = n === target ? ', shape=doubleoctagon' : '';
    lines.push(`  ${n.id} [label=${label(text)}${shape}];`);
  }
  const silentUsed = [...edges.values()].some((e) => e.to === SILENT);
  if (silentUsed) lines.push(`  ${SILENT} [shape=plaintext, label=${label(['*', 'no reply'])}];`);
  for (const e of edges.values()) {
    const text = [flowsText(e.flows.size)];
    if (e.gap) text.unshift(`${hopRange(...e.gap)}: no reply`);
    lines.push(`  ${e.from} -> ${e.to} [label=${label(text)}${e.gap ? ', style=dashed' : ''}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
