import { spawnSync } from 'node:child_process';
import { FlowPaths } from '@netdiag/ttl-prober';
import { describe, expect, it } from 'vitest';
import { dotEscape, traceDot } from './trace-dot.js';

/** One probe outcome of `flow` at `ttl`: answered by `from` after `rttMs`, or lost (`from` null). */
function probe(f: FlowPaths, flow: number, ttl: number, from: string | null, rttMs = 1): void {
  const kind = from === null ? null : from === TARGET ? 'reached' : 'time-exceeded';
  f.record({
    flow,
    ttl,
    outcome: from ? 'reply' : 'timeout',
    responder: from,
    kind,
    rttMs: from ? rttMs : null,
    mark: '',
  });
}

const TARGET = '203.0.113.9';
/** Flows 0 and 2 through .6, flow 1 through .10 with hop 3 silent; flow 3 goes silent after hop 1. */
function paths() {
  const f = new FlowPaths();
  for (const flow of [0, 1, 2]) {
    probe(f, flow, 1, '192.0.2.1', 0.5);
    probe(f, flow, 2, flow === 1 ? '192.0.2.10' : '192.0.2.6', 1.25);
    probe(f, flow, 3, flow === 1 ? null : '192.0.2.14', 2);
    probe(f, flow, 4, TARGET, 3);
  }
  probe(f, 3, 1, '192.0.2.1', 0.5);
  probe(f, 3, 2, null);
  probe(f, 3, 3, null);
  return f.paths(4);
}

/** The graph's nodes (id → label) and edges (`from -> to` → attributes), read back from the text. */
function parse(dot: string) {
  const nodes = new Map<string, string>();
  const edges = new Map<string, string>();
  for (const line of dot.split('\n')) {
    const e = /^ {2}(\w+) -> (\w+) \[(.*)\];$/.exec(line);
    if (e) {
      edges.set(`${e[1]} -> ${e[2]}`, e[3]!);
      continue;
    }
    const n = /^ {2}(\w+) \[(?:shape=\w+, )?label="((?:[^"\\]|\\.)*)"/.exec(line);
    if (n) nodes.set(n[1]!, n[2]!);
  }
  const id = (address: string) => [...nodes].find(([, l]) => l.split('\\n').includes(address))?.[0];
  return { nodes, edges, id };
}

const names = new Map([
  ['192.0.2.6', 'left.lab'],
  ['192.0.2.10', 'evil"]; x -> y; a [label="\\N\\G<b>'],
  ['192.0.2.14', 'bell\u0007\u001b[31mred\u202eevil\\'],
]);
const dotOf = (host = 'far.lab') =>
  traceDot({ host, address: TARGET, source: '192.0.2.2', paths: paths(), nameOf: (a) => names.get(a) });

describe('traceDot', () => {
  it('draws every responder once, merged across flows, with its hops and mean RTT', () => {
    const { nodes, id } = parse(dotOf());
    expect(nodes.get('source')).toBe('source\\n192.0.2.2');
    expect(nodes.get(id('192.0.2.1')!)).toBe('192.0.2.1\\nhop 1  0.500 ms');
    expect(nodes.get(id('192.0.2.6')!)).toBe('left.lab\\n192.0.2.6\\nhop 2  1.25 ms');
    expect(nodes.get(id(TARGET)!)).toBe(`far.lab\\n${TARGET}\\nhop 4  3.00 ms`);
    expect([...nodes.keys()]).toHaveLength(7); // source, target, 4 routers, the silent end
  });

  it('joins responders only at consecutive TTLs of one flow, dashed across silent hops and into silence', () => {
    const { edges, id } = parse(dotOf());
    const e = (a: string, b: string) => edges.get(`${a} -> ${b}`);
    const [r1, left, right, r3, target] = ['192.0.2.1', '192.0.2.6', '192.0.2.10', '192.0.2.14', TARGET].map(
      (a) => id(a)!,
    );
    expect(e('source', r1!)).toBe('label="4 flows"');
    expect(e(r1!, left!)).toBe('label="2 flows"');
    expect(e(r1!, right!)).toBe('label="1 flow"');
    expect(e(left!, r3!)).toBe('label="2 flows"');
    expect(e(r3!, target!)).toBe('label="2 flows"');
    // Flow 1 heard nothing at hop 3: its edge skips it, dashed, and says so; no link to .14 invented.
    expect(e(right!, r3!)).toBeUndefined();
    expect(e(right!, target!)).toBe('label="hop 3: no reply\\n1 flow", style=dashed');
    // Flow 3 went silent after hop 1 and never reached: a dashed edge into "no reply".
    expect(e(r1!, 'silent')).toBe('label="hops 2-3: no reply\\n1 flow", style=dashed');
    expect(edges.size).toBe(7);
  });

  it('escapes hostile names so they stay label text: no new statements, no Graphviz escapes, no control characters', () => {
    const dot = dotOf('x"; y [label="pwn');
    const { nodes, edges, id } = parse(dot);
    expect(nodes.get(id('192.0.2.10')!)).toBe(
      'evil\\"]; x -> y; a [label=\\"\\\\N\\\\G<b>\\n192.0.2.10\\nhop 2  1.25 ms',
    );
    expect(nodes.get(id('192.0.2.14')!)).toBe('bell[31mredevil\\\\\\n192.0.2.14\\nhop 3  2.00 ms');
    // Exactly the statements drawn: nothing the names smuggled in.
    expect(edges.size).toBe(7);
    expect(dot).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(dot.split('\n')[1]).toBe(`  label="netdiag trace to x\\"; y [label=\\"pwn (${TARGET}), 4 flows";`);
    expect(dotEscape('a\\b"c\nd')).toBe('a\\\\b\\"cd');
  });

  it('marks a target that never answered, with no edge into it', () => {
    const f = new FlowPaths();
    probe(f, 0, 1, '192.0.2.1');
    probe(f, 0, 2, null);
    const { nodes, edges, id } = parse(
      traceDot({
        host: TARGET,
        address: TARGET,
        source: '192.0.2.2',
        paths: f.paths(),
        nameOf: () => undefined,
      }),
    );
    expect(nodes.get(id(TARGET)!)).toBe(`${TARGET}\\nno reply`);
    expect([...edges.keys()].some((k) => k.endsWith(`-> ${id(TARGET)}`))).toBe(false);
  });

  const dotTool = spawnSync('dot', ['-V']).status === 0;
  it.skipIf(!dotTool)(
    'renders with Graphviz dot -Tsvg without a warning, hostile names shown as text',
    () => {
      const r = spawnSync('dot', ['-Tsvg'], { input: dotOf('x"; y [label="pwn'), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // SVG escapes what XML needs; the name reads as it came, minus control characters.
      expect(r.stdout).toContain('evil&quot;]; x &#45;&gt; y; a [label=&quot;\\N\\G&lt;b&gt;');
      expect(r.stdout).toContain('bell[31mredevil\\');
      expect((r.stdout.match(/class="node"/g) ?? []).length).toBe(7);
      expect((r.stdout.match(/class="edge"/g) ?? []).length).toBe(7);
    },
  );
});
