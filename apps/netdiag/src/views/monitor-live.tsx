import { Box, render, Text, useStdout } from 'ink';
import type { MonitorRow, MonitorSnapshot } from '../monitor/monitor-board.js';
import { printable } from '../printable.js';
import type { LiveFeed } from './live-feed.js';
import { sparkline } from './sparkline.js';
import { useLiveFeed } from './use-live-feed.js';

const ms = (v: number) => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(3) : v.toFixed(1));
const cell = (text: string, width: number, left = false) => {
  const t = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
  return left ? t.padEnd(width) : t.padStart(width - 1).padEnd(width);
};
const FIXED = 7 + 9 + 9 + 9;

function Row({ row, hostWidth, historyWidth }: { row: MonitorRow; hostWidth: number; historyWidth: number }) {
  const name = row.host === row.ip ? row.ip : `${printable(row.host)} ${row.ip}`;
  const loss = Number.isNaN(row.loss) ? '-' : `${(100 * row.loss).toFixed(1)}%`;
  const color = Number.isNaN(row.loss) || row.loss === 0 ? 'green' : row.loss < 1 ? 'yellow' : 'red';
  return (
    <Box>
      <Text>{cell(name, hostWidth, true)}</Text>
      <Text color={color}>{cell(loss, 7)}</Text>
      <Text>{cell(ms(row.last), 9)}</Text>
      <Text>{cell(ms(row.p50), 9)}</Text>
      <Text>{cell(ms(row.p90), 9)}</Text>
      {historyWidth > 0 && <Text color="cyan">{sparkline(row.history, historyWidth)}</Text>}
    </Box>
  );
}

/** `netdiag monitor` on a terminal: totals, then one row per target, worst first, as many as fit. */
export function MonitorTable({
  snapshot,
  width,
  height,
}: {
  snapshot: MonitorSnapshot;
  width: number;
  height: number;
}) {
  const hostWidth = Math.max(16, Math.min(40, width - FIXED - 20));
  const historyWidth = Math.max(0, width - hostWidth - FIXED - 1);
  const t = snapshot.totals;
  const shown = snapshot.rows.slice(0, Math.max(1, height - 4));
  return (
    <Box flexDirection="column">
      <Text>
        {t
          ? `${t.targets} targets  ${t.sent} sent/s  ${t.lost} lost  ${t.late} late  ${t.duplicates} dup  agent delay ${ms(t.schedulingDelayMean * 1000)} ms`
          : 'starting…'}
      </Text>
      <Text bold>
        {cell('TARGET', hostWidth, true)}
        {cell('LOSS', 7)}
        {cell('LAST', 9)}
        {cell('P50', 9)}
        {cell('P90', 9)}
        {historyWidth > 0 ? 'RTT (last 60 s)' : ''}
      </Text>
      {shown.map((row) => (
        <Row
          key={`${row.host} ${row.ip}`}
          row={row}
          hostWidth={hostWidth}
          historyWidth={Math.min(historyWidth, 60)}
        />
      ))}
      {snapshot.rows.length > shown.length && (
        <Text dimColor>{`… ${snapshot.rows.length - shown.length} more`}</Text>
      )}
    </Box>
  );
}

function MonitorLive({ feed }: { feed: LiveFeed<MonitorSnapshot> }) {
  const { stdout } = useStdout();
  const snapshot = useLiveFeed(feed, 250);
  return <MonitorTable snapshot={snapshot} width={stdout.columns || 120} height={stdout.rows || 40} />;
}

/** Mounts the live view; the returned function unmounts it. */
export function mountMonitorLive(
  feed: LiveFeed<MonitorSnapshot>,
  stdout: NodeJS.WriteStream,
): () => Promise<void> {
  const instance = render(<MonitorLive feed={feed} />, { stdout, exitOnCtrlC: false, patchConsole: false });
  return async () => {
    instance.unmount();
    await instance.waitUntilExit();
  };
}
