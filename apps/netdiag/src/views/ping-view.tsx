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

function cell(text: string, width: number, left = false): string {
  const t = text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
  return left ? t.padEnd(width) : t.padStart(width - 1).padEnd(width);
}

function Row({ row, historyWidth }: { row: BoardRow; historyWidth: number }) {
  const t = row.target;
  const name = t.host === t.address ? t.address : `${t.host} ${t.address}`;
  const last = row.last === null ? '-' : row.last === 'lost' ? 'lost' : formatRtt(row.last);
  const lossColor = row.lossPercent === 0 ? 'green' : row.lossPercent < 100 ? 'yellow' : 'red';
  return (
    <Box>
      <Text>{cell(name, COLUMNS[0].width, true)}</Text>
      <Text>{cell(String(row.sent), COLUMNS[1].width)}</Text>
      <Text>{cell(String(row.received), COLUMNS[2].width)}</Text>
      <Text color={lossColor}>{cell(`${row.lossPercent.toFixed(1)}%`, COLUMNS[3].width)}</Text>
      <Text {...(row.last === 'lost' && { color: 'red' })}>{cell(last, COLUMNS[4].width)}</Text>
      <Text>{cell(ms(row.rtt?.min), COLUMNS[5].width)}</Text>
      <Text>{cell(ms(row.rtt?.avg), COLUMNS[6].width)}</Text>
      <Text>{cell(ms(row.rtt?.max), COLUMNS[7].width)}</Text>
      <Text>{cell(ms(row.rtt?.mdev), COLUMNS[8].width)}</Text>
      <Text color="cyan">{sparkline(row.history, historyWidth)}</Text>
    </Box>
  );
}

/** The live table of `netdiag ping`: one row per host, updating as replies come. */
export function PingTable({ snapshot, width = 120 }: { snapshot: BoardSnapshot; width?: number }) {
  const fixed = COLUMNS.reduce((n, c) => n + c.width, 0);
  const historyWidth = Math.max(10, width - fixed - 1);
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>
          {COLUMNS.map((c, i) => cell(c.title, c.width, i === 0)).join('')}
          {'HISTORY'}
        </Text>
      </Box>
      {snapshot.rows.map((row) => (
        <Row key={row.target.index} row={row} historyWidth={historyWidth} />
      ))}
      {!snapshot.ended && <Text dimColor>Ctrl-C stops and prints the summary</Text>}
    </Box>
  );
}
