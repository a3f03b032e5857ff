import type { PingEvent, PingSummary, PingTarget } from '@netdiag/icmp';
import { describe, expect, it } from 'vitest';
import { eventLine, formatRtt, headerLine, type LineOptions, summaryLines } from './ping-format.js';

const v4: PingTarget = { index: 0, host: 'gw.example', address: '192.0.2.1', family: 4, identifier: 7 };
const v6: PingTarget = { index: 1, host: '2001:db8::1', address: '2001:db8::1', family: 6, identifier: 8 };
const targets = [v4, v6];
const plain: LineOptions = { numeric: false, timestamps: false, reportOutstanding: false, payloadSize: 56 };
const T = 1_700_000_000_123;

const reply = (over: Partial<Extract<PingEvent, { type: 'reply' }>> = {}): PingEvent => ({
  type: 'reply',
  target: 0,
  seq: 3,
  time: T,
  from: '192.0.2.1',
  rtt: 0.4567,
  ttl: 64,
  bytes: 64,
  duplicate: false,
  late: false,
  kernelTimestamp: true,
  ...over,
});

const summary = (over: Partial<PingSummary> = {}): PingSummary => ({
  target: 0,
  host: 'gw.example',
  address: '192.0.2.1',
  transmitted: 5,
  received: 5,
  duplicates: 0,
  late: 0,
  errors: 0,
  corrupt: 0,
  lossPercent: 0,
  timeMs: 4005.4,
  rtt: { min: 0.041, avg: 0.1, max: 1.2344, mdev: 0.012, p50: 0.09, p95: 1.2, jitter: 0.25 },
  ...over,
});

describe('formatRtt (iputils print_timestamp, in whole microseconds)', () => {
  it('prints three decimals below 1 ms, truncating to the microsecond', () => {
    expect(formatRtt(0)).toBe('0.000');
    expect(formatRtt(0.0415)).toBe('0.041');
    expect(formatRtt(0.4567)).toBe('0.456');
    expect(formatRtt(0.9996)).toBe('0.999');
  });
  it('prints two decimals from 1 ms, rounding', () => {
    expect(formatRtt(1)).toBe('1.00');
    expect(formatRtt(1.005)).toBe('1.01');
    expect(formatRtt(1.004)).toBe('1.00');
    expect(formatRtt(9.994)).toBe('9.99');
  });
  it('moves to one decimal at 9.995 ms, as iputils rounds before choosing', () => {
    expect(formatRtt(9.995)).toBe('10.0');
    expect(formatRtt(9.996)).toBe('10.0');
    expect(formatRtt(20.04)).toBe('20.0');
    expect(formatRtt(20.05)).toBe('20.1');
    expect(formatRtt(99.949)).toBe('99.9');
  });
  it('moves to whole milliseconds at 99.95 ms', () => {
    expect(formatRtt(99.95)).toBe('100');
    expect(formatRtt(99.96)).toBe('100');
    expect(formatRtt(123.4)).toBe('123');
    expect(formatRtt(1234.5)).toBe('1235');
  });
});

describe('headerLine', () => {
  it('names the host and both sizes for IPv4, as iputils', () => {
    expect(headerLine({ ...v4, source: '192.0.2.2' }, 56)).toBe(
      'PING gw.example (192.0.2.1) 56(84) bytes of data.',
    );
    expect(headerLine({ ...v4, host: '192.0.2.1', source: '192.0.2.2' }, 1000)).toBe(
      'PING 192.0.2.1 (192.0.2.1) 1000(1028) bytes of data.',
    );
  });
  it('prints the payload only for IPv6', () => {
    expect(headerLine({ ...v6, source: '2001:db8::2' }, 56)).toBe(
      'PING 2001:db8::1 (2001:db8::1) 56 data bytes',
    );
  });
});

describe('eventLine', () => {
  it('prints a reply with name and address, ttl and time', () => {
    expect(eventLine(reply(), targets, plain)).toBe(
      '64 bytes from gw.example (192.0.2.1): icmp_seq=3 ttl=64 time=0.456 ms',
    );
  });
  it('prints the address alone with -n, and the IPv6 hop limit as ttl= (as iputils does)', () => {
    expect(eventLine(reply(), targets, { ...plain, numeric: true })).toBe(
      '64 bytes from 192.0.2.1: icmp_seq=3 ttl=64 time=0.456 ms',
    );
    expect(eventLine(reply({ target: 1, from: '2001:db8::1', ttl: 63, rtt: 12.34 }), targets, plain)).toBe(
      '64 bytes from 2001:db8::1: icmp_seq=3 ttl=63 time=12.3 ms',
    );
  });
  it('leaves out the ttl where the socket cannot report it', () => {
    expect(eventLine(reply({ ttl: null }), targets, { ...plain, numeric: true })).toBe(
      '64 bytes from 192.0.2.1: icmp_seq=3 time=0.456 ms',
    );
  });
  it('marks duplicates and late replies', () => {
    expect(eventLine(reply({ duplicate: true }), targets, { ...plain, numeric: true })).toBe(
      '64 bytes from 192.0.2.1: icmp_seq=3 ttl=64 time=0.456 ms (DUP!)',
    );
    expect(eventLine(reply({ late: true, rtt: 2500 }), targets, { ...plain, numeric: true })).toBe(
      '64 bytes from 192.0.2.1: icmp_seq=3 ttl=64 time=2500 ms (late)',
    );
  });
  it('stamps lines with -D as [seconds.micros]', () => {
    expect(eventLine(reply(), targets, { ...plain, numeric: true, timestamps: true })).toBe(
      '[1700000000.123000] 64 bytes from 192.0.2.1: icmp_seq=3 ttl=64 time=0.456 ms',
    );
  });
  it('reports an outstanding probe only with -O, naming the target when there are several', () => {
    const timeout: PingEvent = { type: 'timeout', target: 1, seq: 9, time: T };
    expect(eventLine(timeout, targets, plain)).toBeUndefined();
    expect(eventLine(timeout, targets, { ...plain, reportOutstanding: true })).toBe(
      'no answer yet for icmp_seq=9 from 2001:db8::1',
    );
    expect(eventLine({ ...timeout, target: 0 }, [v4], { ...plain, reportOutstanding: true })).toBe(
      'no answer yet for icmp_seq=9',
    );
  });
  it('prints ICMP errors and send errors in iputils words', () => {
    expect(
      eventLine(
        {
          type: 'icmp-error',
          target: 0,
          seq: 4,
          time: T,
          from: '198.51.100.9',
          kind: 'destination-unreachable',
          code: 1,
          description: 'Destination Host Unreachable',
        },
        targets,
        plain,
      ),
    ).toBe('From 198.51.100.9 icmp_seq=4 Destination Host Unreachable');
    expect(
      eventLine(
        {
          type: 'send-error',
          target: 0,
          seq: 5,
          time: T,
          code: 'ENETUNREACH',
          message: 'sendto: Network is unreachable',
        },
        targets,
        plain,
      ),
    ).toBe('ping: sendmsg to 192.0.2.1: Network is unreachable');
  });
  it('prints nothing for start, sent and end', () => {
    expect(eventLine({ type: 'sent', target: 0, seq: 1, time: T }, targets, plain)).toBeUndefined();
    expect(
      eventLine({ type: 'start', time: T, targets: [], backend: 'raw' }, targets, plain),
    ).toBeUndefined();
    expect(eventLine({ type: 'end', time: T, summaries: [] }, targets, plain)).toBeUndefined();
  });
});

describe('summaryLines', () => {
  it('leaves out loss and time when nothing was transmitted, as iputils does', () => {
    expect(summaryLines(summary({ transmitted: 0, received: 0, rtt: null }))[1]).toBe(
      '0 packets transmitted, 0 received',
    );
  });

  it('prints iputils statistics, then percentiles and jitter', () => {
    expect(summaryLines(summary())).toEqual([
      '--- gw.example ping statistics ---',
      '5 packets transmitted, 5 received, 0% packet loss, time 4005ms',
      'rtt min/avg/max/mdev = 0.041/0.100/1.234/0.012 ms',
      'rtt p50/p95/jitter = 0.090/1.200/0.250 ms',
    ]);
  });
  it('lists duplicates and errors before the loss, and prints loss as %g', () => {
    expect(
      summaryLines(
        summary({ transmitted: 3, received: 2, duplicates: 1, errors: 2, lossPercent: 100 / 3, rtt: null }),
      ),
    ).toEqual([
      '--- gw.example ping statistics ---',
      '3 packets transmitted, 2 received, +1 duplicates, +2 errors, 33.3333% packet loss, time 4005ms',
    ]);
    expect(summaryLines(summary({ transmitted: 7, received: 5, lossPercent: 200 / 7, rtt: null }))[1]).toBe(
      '7 packets transmitted, 5 received, 28.5714% packet loss, time 4005ms',
    );
    expect(
      summaryLines(summary({ transmitted: 4, received: 0, errors: 4, lossPercent: 100, rtt: null }))[1],
    ).toBe('4 packets transmitted, 0 received, +4 errors, 100% packet loss, time 4005ms');
    expect(summaryLines(summary({ transmitted: 8, received: 7, lossPercent: 12.5, rtt: null }))[1]).toBe(
      '8 packets transmitted, 7 received, 12.5% packet loss, time 4005ms',
    );
  });
  it('truncates summary figures to the microsecond, as iputils and the reply lines do', () => {
    const r = {
      min: 0.0579,
      avg: 0.07199,
      max: 20.0456,
      mdev: 0.0209,
      p50: 0.0599,
      p95: 1.9999,
      jitter: 0.0141,
    };
    expect(summaryLines(summary({ rtt: r })).slice(2)).toEqual([
      'rtt min/avg/max/mdev = 0.057/0.071/20.045/0.020 ms',
      'rtt p50/p95/jitter = 0.059/1.999/0.014 ms',
    ]);
    expect(formatRtt(r.min)).toBe('0.057');
  });
  it('has no rtt lines when nothing answered', () => {
    expect(summaryLines(summary({ received: 0, lossPercent: 100, rtt: null }))).toHaveLength(2);
  });

  it('counts corrupt replies apart, in iputils words ("+N corrupted"), never as received', () => {
    expect(
      summaryLines(summary({ transmitted: 4, received: 3, corrupt: 2, lossPercent: 25, rtt: null }))[1],
    ).toBe('4 packets transmitted, 3 received, +2 corrupted, 25% packet loss, time 4005ms');
  });
});

describe('corrupt replies', () => {
  const corrupt = (over: Record<string, unknown>): PingEvent =>
    ({ type: 'corrupt', target: 0, seq: 3, time: T, from: '192.0.2.1', bytes: 64, ...over }) as PingEvent;
  it('says what did not check out, as iputils words it, and that it was not counted', () => {
    expect(eventLine(corrupt({ reason: 'checksum', message: 'echo-reply' }), targets, plain)).toBe(
      '64 bytes from gw.example (192.0.2.1): icmp_seq=3 (BAD CHECKSUM!) corrupt, not counted',
    );
    expect(
      eventLine(
        corrupt({ reason: 'payload', message: 'echo-reply', offset: 20, expected: 20, actual: 235 }),
        targets,
        plain,
      ),
    ).toBe(
      '64 bytes from gw.example (192.0.2.1): icmp_seq=3 wrong data byte #20 should be 0x14 but was 0xeb: corrupt, not counted',
    );
    expect(
      eventLine(
        corrupt({ reason: 'payload', message: 'echo-reply', offset: 56, expected: null, actual: 7 }),
        targets,
        plain,
      ),
    ).toBe('64 bytes from gw.example (192.0.2.1): icmp_seq=3 wrong data length: corrupt, not counted');
    expect(
      eventLine(corrupt({ reason: 'checksum', message: 'icmp-error', from: '192.0.2.2' }), targets, plain),
    ).toBe('From 192.0.2.2 icmp_seq=3 ICMP error (BAD CHECKSUM!) corrupt, not counted');
    expect(
      eventLine(
        corrupt({ reason: 'quote', message: 'icmp-error', from: '192.0.2.2', seq: 999 }),
        targets,
        plain,
      ),
    ).toBe('From 192.0.2.2 icmp_seq=999 ICMP error quoting a request never sent: corrupt, not counted');
  });
  it('counts them in the summary line, which -q prints too', () => {
    expect(summaryLines(summary({ corrupt: 1 }))[1]).toContain('+1 corrupted');
  });
});
