import type { PingEvent, PingSummary, PingTarget } from '@netdiag/icmp';
import { describe, expect, it } from 'vitest';
import { PING_SCHEMA, type PingJsonOptions, pingJsonLine } from './ping-json.js';

const t0: PingTarget & { source: string } = {
  index: 0,
  host: 'gw.example',
  address: '192.0.2.1',
  family: 4,
  identifier: 4660,
  source: '192.0.2.9',
};
const targets = [t0];
const options: PingJsonOptions = {
  count: 3,
  intervalMs: 200,
  timeoutMs: 2000,
  deadlineMs: null,
  payloadSize: 56,
  ttl: null,
  family: 4,
};
const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const ISO = '2026-01-02T03:04:05.678Z';

const line = (e: PingEvent) => {
  const text = pingJsonLine(e, targets, options);
  expect(text).toBeDefined();
  expect(text).not.toContain('\n');
  return JSON.parse(text!) as unknown;
};

describe('pingJsonLine (netdiag.ping/2)', () => {
  it('names the schema, options, backend and targets in the start event', () => {
    expect(PING_SCHEMA).toBe('netdiag.ping/2');
    expect(line({ type: 'start', time: T, targets, backend: 'native-raw' })).toEqual({
      type: 'start',
      schema: 'netdiag.ping/2',
      time: ISO,
      backend: 'native-raw',
      options: {
        count: 3,
        intervalMs: 200,
        timeoutMs: 2000,
        deadlineMs: null,
        payloadSize: 56,
        ttl: null,
        family: 4,
      },
      targets: [
        {
          index: 0,
          host: 'gw.example',
          address: '192.0.2.1',
          family: 4,
          source: '192.0.2.9',
          identifier: 4660,
        },
      ],
    });
  });

  it('writes no line for sent: a probe is written once, as its outcome', () => {
    expect(pingJsonLine({ type: 'sent', target: 0, seq: 1, time: T }, targets, options)).toBeUndefined();
  });

  it('writes a reply with its target, RTT and flags', () => {
    expect(
      line({
        type: 'reply',
        target: 0,
        seq: 2,
        time: T,
        from: '192.0.2.1',
        rtt: 0.123,
        ttl: 63,
        bytes: 64,
        duplicate: true,
        late: false,
        kernelTimestamp: true,
      }),
    ).toEqual({
      type: 'reply',
      time: ISO,
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      seq: 2,
      from: '192.0.2.1',
      rttMs: 0.123,
      ttl: 63,
      bytes: 64,
      duplicate: true,
      late: false,
      kernelTimestamp: true,
    });
  });

  it('writes timeouts, ICMP errors and send errors', () => {
    expect(line({ type: 'timeout', target: 0, seq: 3, time: T })).toEqual({
      type: 'timeout',
      time: ISO,
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      seq: 3,
    });
    expect(
      line({
        type: 'icmp-error',
        target: 0,
        seq: 4,
        time: T,
        from: '198.51.100.1',
        kind: 'time-exceeded',
        code: 0,
        description: 'Time to live exceeded',
      }),
    ).toEqual({
      type: 'icmp-error',
      time: ISO,
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      seq: 4,
      from: '198.51.100.1',
      kind: 'time-exceeded',
      code: 0,
      description: 'Time to live exceeded',
    });
    expect(
      line({
        type: 'send-error',
        target: 0,
        seq: 5,
        time: T,
        code: 'EHOSTUNREACH',
        message: 'No route to host',
      }),
    ).toEqual({
      type: 'send-error',
      time: ISO,
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      seq: 5,
      code: 'EHOSTUNREACH',
      message: 'No route to host',
    });
  });

  it('writes null host and address for a target index it does not know', () => {
    expect(line({ type: 'timeout', target: 9, seq: 1, time: T })).toMatchObject({
      target: 9,
      host: null,
      address: null,
    });
  });

  it('writes the summaries in the end event', () => {
    const summary: PingSummary = {
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      transmitted: 3,
      received: 2,
      duplicates: 1,
      late: 0,
      errors: 0,
      corrupt: 1,
      lossPercent: 100 / 3,
      timeMs: 401,
      rtt: { min: 0.1, avg: 0.15, max: 0.2, mdev: 0.05, p50: 0.1, p95: 0.2, jitter: 0.1 },
    };
    expect(line({ type: 'end', time: T, summaries: [summary] })).toEqual({
      type: 'end',
      time: ISO,
      summaries: [summary],
    });
  });

  it('writes corrupt replies as their own event, with what did not check out', () => {
    expect(
      line({
        type: 'corrupt',
        target: 0,
        seq: 2,
        time: T,
        from: '192.0.2.1',
        bytes: 64,
        reason: 'payload',
        message: 'echo-reply',
        offset: 20,
        expected: 20,
        actual: 235,
      }),
    ).toEqual({
      type: 'corrupt',
      time: ISO,
      target: 0,
      host: 'gw.example',
      address: '192.0.2.1',
      seq: 2,
      from: '192.0.2.1',
      bytes: 64,
      reason: 'payload',
      message: 'echo-reply',
      offset: 20,
      expected: 20,
      actual: 235,
    });
    expect(
      line({
        type: 'corrupt',
        target: 0,
        seq: 2,
        time: T,
        from: '192.0.2.1',
        bytes: 64,
        reason: 'checksum',
        message: 'echo-reply',
      }),
    ).toMatchObject({ type: 'corrupt', reason: 'checksum', message: 'echo-reply' });
    expect(PING_SCHEMA).toBe('netdiag.ping/2');
  });
});
