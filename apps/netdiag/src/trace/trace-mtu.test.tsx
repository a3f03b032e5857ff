import type { TraceEvent } from '@netdiag/ttl-prober';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { TraceTable } from '../views/trace-view.js';
import { TraceBoard } from './trace-board.js';
import { csvLines, reportLines } from './trace-format.js';
import { traceJsonLine } from './trace-json.js';
import { mtuResume, PmtuLines } from './trace-mtu.js';
import { hopSnapshot, silentHop, startEvent } from './trace-test-events.testkit.js';

type Probe = Extract<TraceEvent, { type: 'probe' }>;

const probe = (ttl: number, size: number | undefined, outcome: Probe['outcome'] = 'reply'): Probe => ({
  type: 'probe',
  time: 0,
  ttl,
  round: 0,
  flow: 0,
  id: ttl,
  outcome,
  responder: outcome === 'reply' ? `192.0.2.${ttl}` : null,
  kind: outcome === 'reply' ? 'time-exceeded' : null,
  rttMs: outcome === 'reply' ? 1 : null,
  mark: '',
  icmpType: outcome === 'reply' ? 11 : null,
  icmpCode: outcome === 'reply' ? 0 : null,
  mpls: [],
  errorCode: null,
  ...(size !== undefined && { size }),
});

const noNames = () => undefined;
const path = () => [hopSnapshot(1, { pmtu: 1500 }), silentHop(2), hopSnapshot(3, { pmtu: 1280 })];

describe('trace --mtu in every output', () => {
  it('lines end in "pmtu N" on the first hop that answered and where it changes', () => {
    const lines = new PmtuLines();
    expect(lines.suffix([probe(1, 1500), probe(1, 1500)])).toBe(' pmtu 1500');
    expect(lines.suffix([probe(2, 1500, 'timeout')])).toBe('');
    expect(lines.suffix([probe(3, 1500)])).toBe('');
    expect(lines.suffix([probe(4, 1400), probe(4, 1400, 'timeout')])).toBe(' pmtu 1400');
    // Without --mtu probes carry no size: nothing is added.
    expect(new PmtuLines().suffix([probe(1, undefined)])).toBe('');
    // The last line, as tracepath's.
    expect(mtuResume(path(), true)).toBe('     Resume: pmtu 1280 hops 3');
    expect(mtuResume(path().slice(0, 2), false)).toBe('     Resume: pmtu 1500');
    expect(mtuResume([silentHop(1)], false)).toBeUndefined();
  });

  it('the report and the CSV gain a PMTU column, only with --mtu', () => {
    const report = reportLines(new Date(0), 'vm', path(), true, noNames, true);
    expect(report[1]).toMatch(/Javg {2}PMTU$/);
    expect(report[2]).toMatch(/^ {2}1\.\|-- .* 1500$/);
    expect(report[3]).toMatch(/^ {2}2\.\|-- \?\?\?.*0\.0 {6}$/);
    expect(report[4]).toMatch(/ 1280$/);
    expect(reportLines(new Date(0), 'vm', path(), true, noNames).join('\n')).not.toMatch(/PMTU|1500/);
    const csv = csvLines(path(), noNames, true);
    expect(csv[0]).toMatch(/,mark,pmtu$/);
    expect(csv.slice(1).map((l) => l.split(',').at(-1))).toEqual(['1500', '', '1280']);
    expect(csvLines(path(), noNames)[0]).not.toMatch(/pmtu/);
  });

  it('--json: hops carry pmtu, probes their size, and each learned limit is an event', () => {
    const hop = JSON.parse(traceJsonLine({ type: 'hop', hop: path()[0]! }, noNames));
    expect(hop.pmtu).toBe(1500);
    expect(JSON.parse(traceJsonLine({ type: 'hop', hop: path()[1]! }, noNames))).not.toHaveProperty('pmtu');
    expect(JSON.parse(traceJsonLine(probe(3, 1400), noNames)).size).toBe(1400);
    expect(JSON.parse(traceJsonLine(probe(3, undefined), noNames))).not.toHaveProperty('size');
    const event = JSON.parse(
      traceJsonLine({ type: 'pmtu', time: 0, ttl: 2, mtu: 1400, from: '192.0.2.1' }, noNames),
    );
    expect(event).toEqual({
      type: 'pmtu',
      time: '1970-01-01T00:00:00.000Z',
      ttl: 2,
      mtu: 1400,
      from: '192.0.2.1',
    });
  });

  it('the live table gains a PMTU column when the trace searches', () => {
    const board = new TraceBoard(false);
    const start = startEvent();
    board.apply({ ...start, config: { ...start.config, pathMtu: { family: 4 } } });
    for (const hop of path()) board.apply({ type: 'hop', hop });
    const { lastFrame } = render(<TraceTable snapshot={board.snapshot()} width={100} />);
    const frame = lastFrame()!.split('\n');
    expect(frame[1]).toMatch(/Javg {2}PMTU/);
    expect(frame[2]).toMatch(/ {2}1500$/);
    expect(frame[4]).toMatch(/ {2}1280$/);
    const plain = new TraceBoard(false);
    plain.apply(startEvent());
    for (const hop of path()) plain.apply({ type: 'hop', hop });
    expect(render(<TraceTable snapshot={plain.snapshot()} width={100} />).lastFrame()).not.toMatch(
      /PMTU|1500/,
    );
  });
});
