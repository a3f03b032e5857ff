import { Box, Text } from 'ink';
import type { BoardRow, BoardSnapshot } from '../ping/ping-board.js';
import { formatRtt } from '../ping/ping-format.js';
import { sparkline } from './sparkline.js';

const ms = (v: number | undefined) => (v === undefined ? '-' : formatRtt(v));

const COLUMNS = [
  { title: 'HOST', width: 24 },
  { title: 'SENT', width: 6 },
  { title: 'RECV', width: 6 },
  { title: 'LOSS', width: 7 },
  { title: 'LAST', width: 8 },
  { title: 'MIN', width: 8 },
  { title: 'AVG', width: 8 },
  { title: 'MAX', width: 8 },
  { title: 'MDEV', width: 8 },
] as const;

const MIN_HOST_WIDTH = 12;

/**
 * Column widths for a terminal `width` wide: the host column gives way down to MIN_HOST_WIDTH,
 * then the history shrinks to nothing, so a row never wraps (an 80-column terminal included).
 */
function layout(width: number): { host: number; history: number } {
  const others = COLUMNS.slice(1).reduce((n, c) => n + c.width, 0);
  const host = Math.max(MIN_HOST_WIDTH, Math.min(COLUMNS[0].width, width - others - 1));
  return { host, history: Math.max(0, width - host - others - 1) };
}

function cell(text: string, width: number, left = false): string {
  const t = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
  return left ? t.padEnd(width) : t.padStart(width - 1).padEnd(width);
}

const hostName = ({ target: t }: BoardRow) => (t.host === t.address ? t.address : `${t.host} ${t.address}`);

function Row({ row, hostWidth, historyWidth }: { row: BoardRow; hostWidth: number; historyWidth: number }) {
  const name = hostName(row);
  const last = row.last === null ? '-' : row.last === 'lost' ? 'lost' : formatRtt(row.last);
  const lossColor = row.lossPercent === 0 ? 'green' : row.lossPercent < 100 ? 'yellow' : 'red';
  return (
    <Box>
      <Text>{cell(name, hostWidth, true)}</Text>
      <Text>{cell(String(row.sent), COLUMNS[1].width)}</Text>
      <Text>{cell(String(row.received), COLUMNS[2].width)}</Text>
      <Text color={lossColor}>{cell(`${row.lossPercent.toFixed(1)}%`, COLUMNS[3].width)}</Text>
      <Text {...(row.last === 'lost' && { color: 'red' })}>{cell(last, COLUMNS[4].width)}</Text>
      <Text>{cell(ms(row.rtt?.min), COLUMNS[5].width)}</Text>
      <Text>{cell(ms(row.rtt?.avg), COLUMNS[6].width)}</Text>
      <Text>{cell(ms(row.rtt?.max), COLUMNS[7].width)}</Text>
      <Text>{cell(ms(row.rtt?.mdev), COLUMNS[8].width)}</Text>
      {historyWidth > 0 && <Text color="cyan">{sparkline(row.history, historyWidth)}</Text>}
    </Box>
  );
}

/** The live table of `netdiag ping`: one row per host, updating as replies come. */
export function PingTable({ snapshot, width = 120 }: { snapshot: BoardSnapshot; width?: number }) {
  const cols = layout(width);
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>
          {COLUMNS.map((c, i) => (i === 0 ? cell(c.title, cols.host, true) : cell(c.title, c.width))).join(
            '',
          )}
          {'HISTORY'.slice(0, cols.history)}
        </Text>
      </Box>
      {snapshot.rows.map((row) => (
        <Row key={row.target.index} row={row} hostWidth={cols.host} historyWidth={cols.history} />
      ))}
      {snapshot.rows
        .filter((row) => row.corrupt > 0)
        .map((row) => (
          <Text key={`corrupt-${row.target.index}`} color="yellow">
            {`${hostName(row)}: ${row.corrupt} corrupt ${row.corrupt === 1 ? 'reply' : 'replies'} (bad checksum, payload or quote), not counted as received`}
          </Text>
        ))}
      {!snapshot.ended && <Text dimColor>Ctrl-C stops and prints the summary</Text>}
    </Box>
  );
}
