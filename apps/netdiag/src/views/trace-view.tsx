import type { HopSnapshot } from '@netdiag/ttl-prober';
import { Box, Text } from 'ink';
import { formatRtt } from '../ping/ping-format.js';
import type { TraceBoardSnapshot } from '../trace/trace-board.js';
import { PMTU_HEAD, pmtuCell } from '../trace/trace-mtu.js';
import { sparkline } from './sparkline.js';

const STAT_COLUMNS = [
  ['Loss%', 7],
  ['Snt', 6],
  ['Last', 7],
  ['Avg', 7],
  ['Best', 7],
  ['Wrst', 7],
  ['StDev', 7],
  ['Javg', 7],
] as const;
const HOST_WIDTH = 40;
const MIN_HOST_WIDTH = 16;
const STATS_WIDTH = STAT_COLUMNS.reduce((n, [, w]) => n + w, 0);

/**
 * Column widths for a terminal `width` wide: the host column gives way down to MIN_HOST_WIDTH,
 * then the history shrinks to nothing, so a row never wraps (an 80-column terminal included).
 */
function layout(
  width: number,
  display: TraceBoardSnapshot['display'],
  extra = 0,
  ipInfo?: ReadonlyMap<string, string>,
): { host: number; history: number } {
  const fixed = display === 'stats' ? STATS_WIDTH + extra : 0;
  // -z: the host column widens by its owners' texts (AS and network name, up to 26).
  const owners = ipInfo ? Math.min(26, Math.max(0, ...[...ipInfo.values()].map((t) => t.length))) + 1 : 0;
  const host = Math.max(MIN_HOST_WIDTH, Math.min(HOST_WIDTH + owners, width - fixed - 1));
  return { host, history: Math.max(0, width - host - fixed - (display === 'stats' ? 2 : 1)) };
}

const right = (s: string, w: number) => (s.length >= w ? s.slice(0, w) : s.padStart(w));
const ms = (v: number | null) => (v === null ? '' : formatRtt(v));

function hostLabel(address: string, snapshot: TraceBoardSnapshot): string {
  const name = snapshot.showNames ? snapshot.names.get(address) : undefined;
  const owner = snapshot.ipInfo?.get(address);
  return `${owner ? `${owner} ` : ''}${name ? `${name} (${address})` : address}`;
}

/** `[9/16] ` before a responder: of the trace's flows, how many met it at this hop (ECMP fans show as several). */
function flowTag(ttl: number, address: string, snapshot: TraceBoardSnapshot): string {
  const n = snapshot.flows > 1 ? snapshot.flowsAt.get(ttl)?.get(address) : undefined;
  return n === undefined ? '' : `[${n}/${snapshot.flows}] `;
}

function fit(text: string, width: number): string {
  return text.length > width - 1 ? `${text.slice(0, width - 2)}…`.padEnd(width) : text.padEnd(width);
}

function history(h: HopSnapshot, width: number): string {
  return sparkline(
    h.history.map((x) => (x === null ? 'lost' : x)),
    width,
  );
}

function HopRows({
  hop,
  snapshot,
  width,
}: {
  hop: HopSnapshot;
  snapshot: TraceBoardSnapshot;
  width: number;
}) {
  const [first, ...others] = hop.responders;
  const label = `${right(String(hop.ttl), 3)}. ${first ? flowTag(hop.ttl, first.address, snapshot) + hostLabel(first.address, snapshot) : hop.sent ? '???' : ''}${hop.mark ? ` ${hop.mark}` : ''}`;
  const values = [
    `${hop.lossPercent.toFixed(1)}%`,
    String(hop.sent),
    ms(hop.last),
    ms(hop.avg),
    ms(hop.best),
    ms(hop.worst),
    ms(hop.stdev),
    ms(hop.jitter),
  ];
  const lossColor =
    hop.sent === 0 ? undefined : hop.lossPercent === 0 ? 'green' : hop.lossPercent < 100 ? 'yellow' : 'red';
  const cols = layout(width, snapshot.display, snapshot.pathMtu ? PMTU_HEAD.length : 0, snapshot.ipInfo);
  return (
    <Box flexDirection="column">
      <Box>
        <Text {...(hop.reachedDestination && { bold: true })}>{fit(label, cols.host)}</Text>
        {snapshot.display === 'stats' ? (
          <>
            <Text {...(lossColor && { color: lossColor })}>{right(values[0]!, STAT_COLUMNS[0][1])}</Text>
            <Text>
              {values
                .slice(1)
                .map((v, i) => right(v, STAT_COLUMNS[i + 1]![1]))
                .join('')}
              {snapshot.pathMtu ? pmtuCell(hop) : ''}
            </Text>
            {cols.history > 0 && <Text color="cyan"> {history(hop, cols.history)}</Text>}
          </>
        ) : (
          <Text color="cyan">{history(hop, cols.history)}</Text>
        )}
      </Box>
      {others.map((o) => (
        <Text key={o.address} dimColor>
          {`     ${flowTag(hop.ttl, o.address, snapshot)}${hostLabel(o.address, snapshot)}`}
        </Text>
      ))}
    </Box>
  );
}

/** The live hop table of `netdiag trace`: mtr's columns, every responder, a sparkline per hop. */
export function TraceTable({ snapshot, width = 120 }: { snapshot: TraceBoardSnapshot; width?: number }) {
  const title =
    snapshot.host === snapshot.address ? snapshot.address : `${snapshot.host} (${snapshot.address})`;
  const cols = layout(width, snapshot.display, snapshot.pathMtu ? PMTU_HEAD.length : 0, snapshot.ipInfo);
  const historyTitle = 'History'.slice(0, cols.history);
  return (
    <Box flexDirection="column">
      <Text bold>
        {`netdiag trace to ${title}`}
        {snapshot.paused ? '  [paused]' : ''}
      </Text>
      <Text bold>
        {fit('Host', cols.host)}
        {snapshot.display === 'stats'
          ? `${STAT_COLUMNS.map(([t, w]) => right(t, w)).join('')}${snapshot.pathMtu ? PMTU_HEAD : ''}${historyTitle ? ` ${historyTitle}` : ''}`
          : historyTitle}
      </Text>
      {snapshot.hops.map((h) => (
        <HopRows key={h.ttl} hop={h} snapshot={snapshot} width={width} />
      ))}
      {!snapshot.ended && (
        <Text dimColor>{'keys: q quit  p pause  r reset  n names  d display  y owner'}</Text>
      )}
    </Box>
  );
}
