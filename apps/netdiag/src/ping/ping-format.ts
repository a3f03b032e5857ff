import type { PingEvent, PingSummary, PingTarget } from '@netdiag/icmp';

/** Whole microseconds (truncated, as iputils keeps times), via nanoseconds to shed float noise. */
const wholeMicros = (ms: number) => Math.max(0, Math.floor(Math.round(ms * 1e6) / 1000));

/** A summary figure as iputils prints it: `%ld.%03ld` of whole microseconds. */
const summaryMs = (ms: number) => {
  const us = wholeMicros(ms);
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
};

/**
 * An RTT as iputils prints it: three decimals below 1 ms, fewer as it grows. iputils works in
 * whole microseconds (truncated) and rounds before it picks the precision, so 9.996 ms is "10.0"
 * and 99.96 ms is "100", never "10.00" or "100.0".
 */
export function formatRtt(ms: number): string {
  const us = wholeMicros(ms);
  const frac = (n: number, digits: number) => String(n).padStart(digits, '0');
  if (us >= 100_000 - 50) return String(Math.floor((us + 500) / 1000));
  if (us >= 10_000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${frac(Math.floor(((us + 5) % 1000) / 10), 2)}`;
  return `0.${frac(us, 3)}`;
}

/** C's %g with six significant digits, which iputils uses for the loss percentage. */
function percentG(x: number): string {
  return String(Number(x.toPrecision(6)));
}

export interface LineOptions {
  readonly numeric: boolean;
  readonly timestamps: boolean;
  readonly reportOutstanding: boolean;
  readonly payloadSize: number;
}

function who(t: PingTarget, numeric: boolean): string {
  return numeric || t.host === t.address ? t.address : `${t.host} (${t.address})`;
}

/** The header line iputils prints before the first request. */
export function headerLine(t: PingTarget & { source: string | null }, payloadSize: number): string {
  const name = t.host === t.address ? t.address : t.host;
  return t.family === 4
    ? `PING ${name} (${t.address}) ${payloadSize}(${payloadSize + 28}) bytes of data.`
    : `PING ${name} (${t.address}) ${payloadSize} data bytes`;
}

/** The line for one probe event, in iputils' words; undefined where ping prints nothing. */
export function eventLine(e: PingEvent, targets: readonly PingTarget[], o: LineOptions): string | undefined {
  if (e.type === 'start' || e.type === 'end' || e.type === 'sent') return undefined;
  const t = targets[e.target];
  const stamp = o.timestamps ? `[${(e.time / 1000).toFixed(6)}] ` : '';
  switch (e.type) {
    case 'reply': {
      const from = t ? who(t, o.numeric) : e.from;
      // iputils prints the IPv6 hop limit as ttl= too; scripts parse that.
      const ttl = e.ttl === null ? '' : ` ttl=${e.ttl}`;
      const mark = e.duplicate ? ' (DUP!)' : e.late ? ' (late)' : '';
      return `${stamp}${e.bytes} bytes from ${from}: icmp_seq=${e.seq}${ttl} time=${formatRtt(e.rtt)} ms${mark}`;
    }
    case 'timeout':
      return o.reportOutstanding
        ? `${stamp}no answer yet for icmp_seq=${e.seq}${t && targets.length > 1 ? ` from ${t.address}` : ''}`
        : undefined;
    case 'icmp-error':
      return `${stamp}From ${e.from} icmp_seq=${e.seq} ${e.description}`;
    case 'send-error':
      return `${stamp}ping: sendmsg${t ? ` to ${t.address}` : ''}: ${e.message.replace(/^sendto: /, '')}`;
    case 'corrupt': {
      // iputils' own words where it has them ("(BAD CHECKSUM!)", "wrong data byte #N ..."), and
      // unlike iputils, said plainly that the packet was not counted.
      const notCounted = 'corrupt, not counted';
      if (e.message === 'icmp-error')
        return e.reason === 'checksum'
          ? `${stamp}From ${e.from} icmp_seq=${e.seq} ICMP error (BAD CHECKSUM!) ${notCounted}`
          : `${stamp}From ${e.from} icmp_seq=${e.seq} ICMP error quoting a request never sent: ${notCounted}`;
      const head = `${stamp}${e.bytes} bytes from ${t ? who(t, o.numeric) : e.from}: icmp_seq=${e.seq}`;
      if (e.reason === 'checksum') return `${head} (BAD CHECKSUM!) ${notCounted}`;
      const hex = (b: number) => `0x${b.toString(16)}`;
      return e.expected === null || e.actual === null
        ? `${head} wrong data length: ${notCounted}`
        : `${head} wrong data byte #${e.offset} should be ${hex(e.expected)} but was ${hex(e.actual)}: ${notCounted}`;
    }
  }
}

/** The closing statistics of one target, as iputils prints them, plus netdiag's extra line. */
export function summaryLines(s: PingSummary): string[] {
  const extras = [
    s.duplicates ? `+${s.duplicates} duplicates` : '',
    s.errors ? `+${s.errors} errors` : '',
    s.corrupt ? `+${s.corrupt} corrupted` : '',
  ].filter(Boolean);
  const lines = [
    `--- ${s.host} ping statistics ---`,
    // As iputils: with nothing transmitted there is no loss or time to speak of.
    [
      `${s.transmitted} packets transmitted`,
      `${s.received} received`,
      ...extras,
      ...(s.transmitted ? [`${percentG(s.lossPercent)}% packet loss`, `time ${Math.round(s.timeMs)}ms`] : []),
    ].join(', '),
  ];
  if (s.rtt) {
    const r = s.rtt;
    // Truncated like each reply's time, so a summary never disagrees with the lines above it.
    lines.push(
      `rtt min/avg/max/mdev = ${summaryMs(r.min)}/${summaryMs(r.avg)}/${summaryMs(r.max)}/${summaryMs(r.mdev)} ms`,
    );
    lines.push(`rtt p50/p95/jitter = ${summaryMs(r.p50)}/${summaryMs(r.p95)}/${summaryMs(r.jitter)} ms`);
  }
  return lines;
}
