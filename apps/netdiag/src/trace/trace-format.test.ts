import type { HopSnapshot, TraceEvent } from '@netdiag/ttl-prober';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvLines, reportLines, traceHeader, traceLine } from './trace-format.js';

type Probe = Extract<TraceEvent, { type: 'probe' }>;

let id = 0;
const answered = (responder: string, rttMs: number, over: Partial<Probe> = {}): Probe => ({
  type: 'probe',
  time: 0,
  ttl: 3,
  round: 0,
  flow: 0,
  id: ++id,
  outcome: 'reply',
  responder,
  kind: 'time-exceeded',
  rttMs,
  mark: '',
  icmpType: 11,
  icmpCode: 0,
  mpls: [],
  errorCode: null,
  ...over,
});
const silent = (): Probe => ({
  ...answered('x', 0),
  outcome: 'timeout',
  responder: null,
  kind: null,
  rttMs: null,
  icmpType: null,
  icmpCode: null,
});

const names = new Map([
  ['192.0.2.1', 'r1.lab'],
  ['192.0.2.5', 'r2.lab'],
]);
const nameOf = (a: string) => names.get(a);
const none = () => undefined;

function hop(over: Partial<HopSnapshot> = {}): HopSnapshot {
  return {
    ttl: 1,
    sent: 4,
    received: 4,
    lossPercent: 0,
    last: 0.26,
    avg: 0.2,
    best: 0.1,
    worst: 0.3,
    stdev: 0.05,
    jitter: 0.04,
    p50: null,
    p95: null,
    responders: [{ address: '192.0.2.1', replies: 4, lastMpls: [] }],
    mark: '',
    reachedDestination: false,
    history: [0.1, 0.2, 0.3, 0.26],
    ...over,
  };
}

describe('traceHeader', () => {
  it('is traceroute first line', () => {
    expect(traceHeader('far.lab', '192.0.2.9', 30, 60)).toBe(
      'traceroute to far.lab (192.0.2.9), 30 hops max, 60 byte packets',
    );
  });
});

describe('traceLine (traceroute 2.1 print_probe)', () => {
  it('prints the responder once, then each time with three decimals', () => {
    expect(
      traceLine(
        3,
        [answered('192.0.2.1', 0.1234), answered('192.0.2.1', 1.5), answered('192.0.2.1', 20.0456)],
        true,
        none,
      ),
    ).toBe(' 3  192.0.2.1  0.123 ms  1.500 ms  20.046 ms');
  });
  it('prints * for each silent probe, and a line of them for a silent hop', () => {
    expect(traceLine(7, [silent(), silent(), silent()], true, none)).toBe(' 7  * * *');
    expect(
      traceLine(12, [answered('192.0.2.1', 0.5), silent(), answered('192.0.2.1', 0.25)], true, none),
    ).toBe('12  192.0.2.1  0.500 ms *  0.250 ms');
  });
  it('names every responder that differs from the answered probe before it', () => {
    expect(
      traceLine(
        4,
        [
          answered('192.0.2.1', 1),
          answered('192.0.2.5', 2),
          silent(),
          answered('192.0.2.5', 3),
          answered('192.0.2.1', 4),
        ],
        true,
        none,
      ),
    ).toBe(' 4  192.0.2.1  1.000 ms 192.0.2.5  2.000 ms *  3.000 ms 192.0.2.1  4.000 ms');
    // A responder after only silent probes is still named.
    expect(traceLine(5, [silent(), answered('192.0.2.5', 2)], true, none)).toBe(' 5  * 192.0.2.5  2.000 ms');
  });
  it('prints name (address) without -n, and address (address) where no name is known', () => {
    expect(traceLine(1, [answered('192.0.2.1', 1), answered('192.0.2.9', 2)], false, nameOf)).toBe(
      ' 1  r1.lab (192.0.2.1)  1.000 ms 192.0.2.9 (192.0.2.9)  2.000 ms',
    );
  });
  it('puts an unreachable mark after the time', () => {
    expect(
      traceLine(
        6,
        [
          answered('192.0.2.9', 0.3, { kind: 'unreachable', mark: '!X', icmpType: 3, icmpCode: 13 }),
          silent(),
        ],
        true,
        none,
      ),
    ).toBe(' 6  192.0.2.9  0.300 ms !X *');
  });
  it('puts MPLS labels after the address, as traceroute -e, and names the hop again when they change', () => {
    const l1 = [
      { label: 16001, trafficClass: 0, bottomOfStack: false, ttl: 1 },
      { label: 24, trafficClass: 5, bottomOfStack: true, ttl: 254 },
    ];
    const l2 = [{ label: 16002, trafficClass: 0, bottomOfStack: true, ttl: 1 }];
    expect(
      traceLine(
        2,
        [
          answered('192.0.2.5', 1, { mpls: l1 }),
          answered('192.0.2.5', 2, { mpls: l1 }),
          answered('192.0.2.5', 3, { mpls: l2 }),
        ],
        true,
        none,
      ),
    ).toBe(
      ' 2  192.0.2.5 <MPLS:L=16001,E=0,S=0,T=1/L=24,E=5,S=1,T=254>  1.000 ms  2.000 ms 192.0.2.5 <MPLS:L=16002,E=0,S=1,T=1>  3.000 ms',
    );
  });
});

describe('reportLines (mtr --report)', () => {
  it('prints mtr columns, ??? for a silent hop, extra responders below their hop, and marks', () => {
    const lines = reportLines(
      new Date(Date.UTC(2026, 10, 26, 1, 2, 3)),
      'client',
      [
        hop(),
        hop({
          ttl: 2,
          sent: 4,
          received: 0,
          lossPercent: 100,
          last: null,
          avg: null,
          best: null,
          worst: null,
          stdev: null,
          jitter: null,
          responders: [],
        }),
        hop({
          ttl: 3,
          sent: 3,
          received: 2,
          lossPercent: 100 / 3,
          last: 12.345,
          avg: 11,
          best: 9.6,
          worst: 12.345,
          stdev: 1.9,
          jitter: 2.75,
          responders: [
            { address: '192.0.2.5', replies: 1, lastMpls: [] },
            { address: '192.0.2.9', replies: 1, lastMpls: [] },
          ],
          mark: '!X',
        }),
      ],
      false,
      nameOf,
    );
    expect(lines).toEqual([
      'Start: 2026-11-26T01:02:03.000Z',
      'HOST: client                             Loss%   Snt   Last    Avg   Best   Wrst  StDev   Javg',
      '  1.|-- r1.lab                            0.0%     4    0.3    0.2    0.1    0.3    0.1    0.0',
      '  2.|-- ???                             100.0%     4    0.0    0.0    0.0    0.0    0.0    0.0',
      '  3.|-- r2.lab                           33.3%     3   12.3   11.0    9.6   12.3    1.9    2.8 !X',
      '       192.0.2.9',
    ]);
  });
  it('prints addresses with -n', () => {
    const lines = reportLines(new Date(0), 'h', [hop()], true, nameOf);
    expect(lines[2]).toBe(
      '  1.|-- 192.0.2.1                         0.0%     4    0.3    0.2    0.1    0.3    0.1    0.0',
    );
  });
});

describe('csvLines', () => {
  it('writes the header and one row per hop, empty fields for unknown values', () => {
    expect(
      csvLines(
        [
          hop(),
          hop({
            ttl: 2,
            sent: 2,
            received: 0,
            lossPercent: 100,
            last: null,
            avg: null,
            best: null,
            worst: null,
            stdev: null,
            jitter: null,
            responders: [],
          }),
        ],
        none,
      ),
    ).toEqual([
      CSV_HEADER,
      '1,192.0.2.1,,192.0.2.1,0.0,4,4,0.26,0.2,0.1,0.3,0.05,0.04,',
      '2,,,,100.0,2,0,,,,,,,',
    ]);
    expect(CSV_HEADER).toBe(
      'ttl,address,name,responders,loss_percent,sent,received,last_ms,avg_ms,best_ms,worst_ms,stdev_ms,jitter_ms,mark',
    );
  });
  it('quotes fields with commas, quotes or line breaks (RFC 4180), and lists every responder', () => {
    const odd = new Map([['192.0.2.1', 'a,"b"\nc']]);
    const [, row] = csvLines(
      [
        hop({
          responders: [
            { address: '192.0.2.1', replies: 3, lastMpls: [] },
            { address: '192.0.2.5', replies: 1, lastMpls: [] },
          ],
          mark: '!H',
        }),
      ],
      (a) => odd.get(a),
    );
    expect(row).toBe('1,192.0.2.1,"a,""b""\nc",192.0.2.1 192.0.2.5,0.0,4,4,0.26,0.2,0.1,0.3,0.05,0.04,!H');
  });
});
