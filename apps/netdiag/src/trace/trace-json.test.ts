import type { TraceEvent } from '@netdiag/ttl-prober';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TRACE_SCHEMA, traceJsonLine } from './trace-json.js';
import { hopSnapshot, startEvent } from './trace-test-events.testkit.js';

const T = Date.UTC(2026, 10, 26, 1, 2, 3, 456);
const ISO = '2026-11-26T01:02:03.456Z';
const NOW_ISO = '2026-11-26T01:02:04.000Z';
const names = new Map([['192.0.2.5', 'r1.lab']]);
const nameOf = (a: string) => names.get(a);
const parse = (e: TraceEvent) => {
  const text = traceJsonLine(e, nameOf);
  expect(text).not.toContain('\n');
  return JSON.parse(text) as Record<string, unknown>;
};

describe('traceJsonLine (netdiag.trace/1)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T + 544);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('names the schema, target, method, backend, flow and options in the start event', () => {
    expect(TRACE_SCHEMA).toBe('netdiag.trace/1');
    const start = startEvent({ time: T });
    const j = parse(start);
    expect(j).toMatchObject({
      type: 'start',
      schema: 'netdiag.trace/1',
      time: ISO,
      host: 'far.lab',
      address: '192.0.2.9',
      family: 4,
      method: 'icmp',
      backend: 'native-raw',
      options: start.config,
    });
    // The flow the probes keep (Paris traceroute): its source and the values load balancers hash.
    expect(JSON.stringify(j)).toContain('"source":"192.0.2.2"');
    expect(JSON.stringify(j)).toContain('"identifier":4660');
    expect(JSON.stringify(j)).toContain('"sourcePort":61234');
  });

  it('writes every probe outcome with address and name as separate fields', () => {
    const probe: Extract<TraceEvent, { type: 'probe' }> = {
      type: 'probe',
      time: T,
      ttl: 2,
      round: 1,
      flow: 3,
      id: 17,
      outcome: 'reply',
      responder: '192.0.2.5',
      kind: 'time-exceeded',
      rttMs: 0.75,
      mark: '',
      icmpType: 11,
      icmpCode: 0,
      mpls: [{ label: 16001, trafficClass: 0, bottomOfStack: true, ttl: 1 }],
      errorCode: null,
    };
    expect(parse(probe)).toEqual({
      type: 'probe',
      time: ISO,
      ttl: 2,
      round: 1,
      flow: 3,
      id: 17,
      outcome: 'reply',
      address: '192.0.2.5',
      name: 'r1.lab',
      kind: 'time-exceeded',
      rttMs: 0.75,
      mark: '',
      icmpType: 11,
      icmpCode: 0,
      mpls: [{ label: 16001, trafficClass: 0, bottomOfStack: true, ttl: 1 }],
      errorCode: null,
    });
    expect(
      parse({
        ...probe,
        outcome: 'timeout',
        responder: null,
        kind: null,
        rttMs: null,
        icmpType: null,
        icmpCode: null,
        mpls: [],
      }),
    ).toMatchObject({
      outcome: 'timeout',
      address: null,
      name: null,
      rttMs: null,
    });
    expect(
      parse({
        ...probe,
        outcome: 'send-error',
        responder: null,
        kind: null,
        rttMs: null,
        icmpType: null,
        icmpCode: null,
        mpls: [],
        errorCode: 'ENETUNREACH',
      }),
    ).toMatchObject({ outcome: 'send-error', errorCode: 'ENETUNREACH', address: null });
    expect(
      parse({
        ...probe,
        responder: '192.0.2.9',
        kind: 'unreachable',
        mark: '!X',
        icmpType: 3,
        icmpCode: 13,
        mpls: [],
      }),
    ).toMatchObject({
      address: '192.0.2.9',
      name: null,
      kind: 'unreachable',
      mark: '!X',
      icmpType: 3,
      icmpCode: 13,
    });
  });

  it('writes a hop with mtr columns in ms, its responders named and labelled', () => {
    const hop = hopSnapshot(2, {
      responders: [
        { address: '192.0.2.5', replies: 2, lastMpls: [] },
        {
          address: '192.0.2.13',
          replies: 1,
          lastMpls: [{ label: 24, trafficClass: 5, bottomOfStack: true, ttl: 254 }],
        },
      ],
      mark: '!H',
    });
    expect(parse({ type: 'hop', hop })).toEqual({
      type: 'hop',
      time: NOW_ISO,
      ttl: 2,
      responders: [
        { address: '192.0.2.5', name: 'r1.lab', replies: 2, mpls: [] },
        {
          address: '192.0.2.13',
          name: null,
          replies: 1,
          mpls: [{ label: 24, trafficClass: 5, bottomOfStack: true, ttl: 254 }],
        },
      ],
      sent: 3,
      received: 3,
      lossPercent: 0,
      lastMs: 1.5,
      avgMs: 1.25,
      bestMs: 1,
      worstMs: 1.5,
      stdevMs: 0.25,
      jitterMs: 0.25,
      p50Ms: 1.5,
      p95Ms: 1.5,
      mark: '!H',
      reachedDestination: false,
    });
  });

  it('writes names as they answer, and an end event with every hop', () => {
    expect(parse({ type: 'name', address: '192.0.2.5', name: 'r1.lab' })).toEqual({
      type: 'name',
      time: NOW_ISO,
      address: '192.0.2.5',
      name: 'r1.lab',
    });
    const end = parse({
      type: 'end',
      time: T,
      hops: [hopSnapshot(1), hopSnapshot(2, { reachedDestination: true })],
      reached: true,
      destinationTtl: 2,
      rounds: 3,
      paths: [
        {
          flow: 1,
          reached: true,
          hops: [
            {
              ttl: 1,
              sent: 1,
              received: 0,
              responders: [],
              reachedDestination: false,
              mark: '',
            },
            {
              ttl: 2,
              sent: 1,
              received: 1,
              responders: [{ address: '192.0.2.5', replies: 1, bestMs: 0.5, avgMs: 0.5 }],
              reachedDestination: true,
              mark: '',
            },
          ],
        },
      ],
      corrupt: 1,
    });
    // Each flow's path, with names beside addresses as everywhere else.
    expect(end.paths).toEqual([
      {
        flow: 1,
        reached: true,
        hops: [
          { ttl: 1, sent: 1, received: 0, responders: [], reachedDestination: false, mark: '' },
          {
            ttl: 2,
            sent: 1,
            received: 1,
            responders: [{ address: '192.0.2.5', name: 'r1.lab', replies: 1, bestMs: 0.5, avgMs: 0.5 }],
            reachedDestination: true,
            mark: '',
          },
        ],
      },
    ]);
    expect(end).toMatchObject({
      type: 'end',
      time: ISO,
      reached: true,
      destinationTtl: 2,
      rounds: 3,
      corrupt: 1,
    });
    expect(
      (end.hops as { ttl: number; reachedDestination: boolean; lastMs: number }[]).map((h) => [
        h.ttl,
        h.reachedDestination,
        h.lastMs,
      ]),
    ).toEqual([
      [1, false, 1.5],
      [2, true, 1.5],
    ]);
  });
});
