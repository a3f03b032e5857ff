import type { HopSnapshot, TraceEvent } from '@netdiag/ttl-prober';
import { infoColumn } from './trace-info-column.js';
import type { HopInfo } from './trace-ipinfo.js';
import { PMTU_CSV_HEAD, PMTU_HEAD, pmtuCell } from './trace-mtu.js';

type ProbeEvent = Extract<TraceEvent, { type: 'probe' }>;
type NameOf = (address: string) => string | undefined;
/** A hop's owner as text (-z, -y): see trace-ipinfo.ts. */
type InfoOf = (address: string) => string;

/** traceroute's first line. */
export function traceHeader(host: string, address: string, maxTtl: number, packetBytes: number): string {
  return `traceroute to ${host} (${address}), ${maxTtl} hops max, ${packetBytes} byte packets`;
}

function hostText(address: string, numeric: boolean, nameOf: NameOf): string {
  if (numeric) return address;
  return `${nameOf(address) ?? address} (${address})`;
}

const mplsText = (labels: ProbeEvent['mpls']) =>
  labels.map((l) => `L=${l.label},E=${l.trafficClass},S=${l.bottomOfStack ? 1 : 0},T=${l.ttl}`).join('/');

/**
 * One hop as traceroute prints it: the responder (with its MPLS labels, as `traceroute -e`),
 * then each probe's time with three decimals, or `*`; a probe answered by another responder, or
 * with other labels, than the answered one before it names its own (ECMP, flaps).
 */
export function traceLine(
  ttl: number,
  probes: readonly ProbeEvent[],
  numeric: boolean,
  nameOf: NameOf,
  infoOf?: InfoOf,
): string {
  let line = `${String(ttl).padStart(2)} `;
  let shown: string | undefined;
  for (const p of probes) {
    if (p.outcome !== 'reply' || p.responder === null || p.rttMs === null) {
      line += ' *';
      continue;
    }
    const labels = p.mpls.length ? ` <MPLS:${mplsText(p.mpls)}>` : '';
    if (`${p.responder}${labels}` !== shown) {
      line += ` ${hostText(p.responder, numeric, nameOf)}${infoOf ? ` [${infoOf(p.responder)}]` : ''}${labels}`;
      shown = `${p.responder}${labels}`;
    }
    line += `  ${p.rttMs.toFixed(3)} ms${p.mark ? ` ${p.mark}` : ''}`;
  }
  return line;
}

const num = (v: number | null, digits = 1) => (v === null ? '0.0' : v.toFixed(digits));

/** mtr's --report table. */
export function reportLines(
  startedAt: Date,
  hostname: string,
  hops: readonly HopSnapshot[],
  numeric: boolean,
  nameOf: NameOf,
  mtu = false,
  infoOf?: InfoOf,
): string[] {
  const lines = [`Start: ${startedAt.toISOString()}`];
  // mtr -z puts the AS before the host; netdiag adds the network's name, cut to fit.
  const info = infoColumn(hops, infoOf);
  const head = `HOST: ${hostname}`.padEnd(40 + info.width);
  lines.push(
    `${head}${'Loss%'.padStart(6)}${'Snt'.padStart(6)}${'Last'.padStart(7)}${'Avg'.padStart(7)}${'Best'.padStart(7)}${'Wrst'.padStart(7)}${'StDev'.padStart(7)}${'Javg'.padStart(7)}${mtu ? PMTU_HEAD : ''}`,
  );
  for (const h of hops) {
    const [first, ...others] = h.responders;
    const name = first ? (numeric ? first.address : (nameOf(first.address) ?? first.address)) : '???';
    const label = `${String(h.ttl).padStart(3)}.|-- ${info.text(first?.address)}${name}`.padEnd(
      40 + info.width,
    );
    lines.push(
      `${label}${`${h.lossPercent.toFixed(1)}%`.padStart(6)}${String(h.sent).padStart(6)}${num(h.last).padStart(7)}${num(h.avg).padStart(7)}${num(h.best).padStart(7)}${num(h.worst).padStart(7)}${num(h.stdev).padStart(7)}${num(h.jitter).padStart(7)}${mtu ? pmtuCell(h) : ''}${h.mark ? ` ${h.mark}` : ''}`,
    );
    for (const o of others)
      lines.push(`       ${info.text(o.address)}${numeric ? o.address : (nameOf(o.address) ?? o.address)}`);
  }
  return lines;
}

/** A CSV field, quoted where it must be (RFC 4180). */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER =
  'ttl,address,name,responders,loss_percent,sent,received,last_ms,avg_ms,best_ms,worst_ms,stdev_ms,jitter_ms,mark';

export function csvLines(
  hops: readonly HopSnapshot[],
  nameOf: NameOf,
  mtu = false,
  info?: HopInfo,
): string[] {
  return [
    `${mtu ? `${CSV_HEADER},${PMTU_CSV_HEAD}` : CSV_HEADER}${info ? `,${info.csvHeader}` : ''}`,
    ...hops.map((h) => {
      const first = h.responders[0]?.address ?? null;
      return [
        h.ttl,
        first,
        first ? (nameOf(first) ?? null) : null,
        h.responders.map((r) => r.address).join(' '),
        h.lossPercent.toFixed(1),
        h.sent,
        h.received,
        h.last,
        h.avg,
        h.best,
        h.worst,
        h.stdev,
        h.jitter,
        h.mark,
        ...(mtu ? [h.pmtu ?? null] : []),
        ...(info?.csvFields(first ?? undefined) ?? []),
      ]
        .map(csvField)
        .join(',');
    }),
  ];
}
