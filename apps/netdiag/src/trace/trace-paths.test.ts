import { FlowPaths } from '@netdiag/ttl-prober';
import { describe, expect, it } from 'vitest';
import { pathJson, pathLines } from './trace-paths.js';

/** Flows 0, 2 and 3 through .6; flow 1 through .10, silent at hop 3. */
function paths() {
  const f = new FlowPaths();
  const at = (
    flow: number,
    ttl: number,
    from: string | null,
    kind: 'time-exceeded' | 'reached' = 'time-exceeded',
  ) =>
    f.record({
      flow,
      ttl,
      outcome: from ? 'reply' : 'timeout',
      responder: from,
      kind: from ? kind : null,
      rttMs: from ? 1 : null,
      mark: '',
    });
  for (const flow of [0, 1, 2, 3]) {
    at(flow, 1, '192.0.2.1');
    at(flow, 2, flow === 1 ? '192.0.2.10' : '192.0.2.6');
    at(flow, 3, flow === 1 ? null : '192.0.2.14');
    at(flow, 4, '203.0.113.9', 'reached');
  }
  return f.paths(4);
}

describe('pathLines', () => {
  it('groups flows by the path they took, most flows first, and marks where a path differs from the first', () => {
    expect(pathLines(paths(), true, () => undefined)).toEqual([
      'Paths of 4 flows: 2 distinct',
      'path 1, 3 flows (0 2 3):',
      '   1. 192.0.2.1',
      '   2. 192.0.2.6',
      '   3. 192.0.2.14',
      '   4. 203.0.113.9',
      'path 2, 1 flow (1):',
      '   1. 192.0.2.1',
      '≠  2. 192.0.2.10',
      '≠  3. *',
      '   4. 203.0.113.9',
    ]);
  });

  it('names hops unless numeric, and says nothing for a trace without paths', () => {
    const names = new Map([['192.0.2.10', 'right.lab']]);
    expect(pathLines(paths(), false, (a) => names.get(a))[8]).toBe('≠  2. right.lab (192.0.2.10)');
    expect(pathLines(paths(), true, (a) => names.get(a))[8]).toBe('≠  2. 192.0.2.10');
    expect(pathLines([], false, () => undefined)).toEqual([]);
  });

  it('gives each flow its path in JSON, names beside addresses', () => {
    const j = pathJson(paths()[1]!, (a) => (a === '192.0.2.10' ? 'right.lab' : undefined));
    expect(j.flow).toBe(1);
    expect(j.reached).toBe(true);
    expect(j.hops.map((h) => h.responders.map((r) => [r.address, r.name]))).toEqual([
      [['192.0.2.1', null]],
      [['192.0.2.10', 'right.lab']],
      [],
      [['203.0.113.9', null]],
    ]);
  });
});
