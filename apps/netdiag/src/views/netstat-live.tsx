import {
  compileFilter,
  diffSockets,
  parseFilter,
  SocketListError,
  type SocketListing,
  type SocketRecord,
  type SocketSource,
  socketKey,
} from '@netdiag/socket-list';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ExitCode } from '../cli-error.js';
import {
  type ColumnOptions,
  inetHeader,
  inetRow,
  listingWarnings,
  loadListing,
  type NetstatOptions,
  unixRow,
} from '../commands/netstat.js';
import type { CommandIo } from '../io.js';
import { renderUntilDone } from './render-until-done.js';

/** How long a new socket keeps its + and a closed one stays on screen with its -. */
export const MARK_MS = 3000;

export type Mark = 'new' | 'closed';

/** The live table's model: the latest listing plus what changed recently. Pure, tested without a terminal. */
export interface LiveModel {
  readonly sockets: readonly SocketRecord[];
  /** Key to when it was marked, and how. */
  readonly marks: ReadonlyMap<
    string,
    { readonly mark: Mark; readonly at: number; readonly socket: SocketRecord }
  >;
  readonly hiddenPids: number;
  readonly refreshedAt: number;
  readonly count: number;
}

export const emptyModel: LiveModel = {
  sockets: [],
  marks: new Map(),
  hiddenPids: 0,
  refreshedAt: 0,
  count: 0,
};

/** Folds a new listing into the model: marks opened and closed sockets, forgets marks older than MARK_MS. */
export function applyListing(model: LiveModel, listing: SocketListing, now: number): LiveModel {
  const marks = new Map<string, { mark: Mark; at: number; socket: SocketRecord }>();
  for (const [k, m] of model.marks) if (now - m.at < MARK_MS) marks.set(k, m);
  // The first listing is the baseline: nothing in it is "new".
  if (model.count > 0) {
    const d = diffSockets(model.sockets, listing.sockets);
    for (const s of listing.sockets) {
      const k = socketKey(s);
      if (d.opened.has(k)) marks.set(k, { mark: 'new', at: now, socket: s });
      else if (marks.get(k)?.mark === 'closed') marks.delete(k); // came back
    }
    for (const s of d.closed) marks.set(socketKey(s), { mark: 'closed', at: now, socket: s });
  }
  return {
    sockets: listing.sockets,
    marks,
    hiddenPids: listing.hiddenPids?.length ?? 0,
    refreshedAt: now,
    count: model.count + 1,
  };
}

export const SORT_KEYS = ['kernel', 'proto', 'local', 'remote', 'state', 'recv-q', 'send-q', 'pid'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

function sortValue(s: SocketRecord, key: SortKey): string | number {
  const pid = s.owners[0]?.pid ?? -1;
  if (s.protocol === 'unix') {
    return {
      kernel: 0,
      proto: 'unix',
      local: s.path ?? '',
      remote: '',
      state: s.state,
      'recv-q': 0,
      'send-q': 0,
      pid,
    }[key];
  }
  switch (key) {
    case 'kernel':
      return 0;
    case 'proto':
      return `${s.protocol}${s.family}`;
    case 'local':
      return `${s.localAddress}\u0000${String(s.localPort).padStart(5, '0')}`;
    case 'remote':
      return `${s.remoteAddress}\u0000${String(s.remotePort).padStart(5, '0')}`;
    case 'state':
      return s.state;
    case 'recv-q':
      return s.receiveQueue;
    case 'send-q':
      return s.sendQueue;
    case 'pid':
      return pid;
  }
}

/**
 * A filter typed in the view: an ss expression if it parses as one, else a substring of the
 * row's text. Null for no filter. `needsText` says whether the row text must be built to match.
 */
export function rowMatcher(
  text: string,
): { readonly needsText: boolean; readonly match: (s: SocketRecord, row: string) => boolean } | null {
  const t = text.trim();
  if (t === '') return null;
  try {
    const f = compileFilter(parseFilter(t.split(/\s+/)));
    return { needsText: false, match: (s) => f(s) };
  } catch (err) {
    if (!(err instanceof SocketListError)) throw err;
    const needle = t.toLowerCase();
    return { needsText: true, match: (_s, row) => row.toLowerCase().includes(needle) };
  }
}

export interface LiveRow {
  readonly key: string;
  readonly mark: Mark | null;
  readonly socket: SocketRecord;
}

/** The cells of one row of the live table (UNIX sockets fitted into the Internet columns). */
export function rowCells(s: SocketRecord, o: ColumnOptions): string[] {
  return s.protocol === 'unix' ? unixAsInet(unixRow(s, o), o) : inetRow(s, o);
}

/**
 * The rows to draw: current sockets and recently closed ones, filtered and sorted. Pure. Cells
 * are not built here (50,000 rows refresh every second; only a screenful is drawn), except
 * when a text filter has to search them.
 */
export function liveRows(
  model: LiveModel,
  o: ColumnOptions,
  sort: SortKey,
  reverse: boolean,
  filter: string,
): LiveRow[] {
  const matcher = rowMatcher(filter);
  const items: LiveRow[] = [];
  const add = (s: SocketRecord, key: string, mark: Mark | null) => {
    if (matcher === null || matcher.match(s, matcher.needsText ? rowCells(s, o).join(' ') : ''))
      items.push({ key, mark, socket: s });
  };
  for (const s of model.sockets) {
    const k = socketKey(s);
    add(s, k, model.marks.get(k)?.mark === 'new' ? 'new' : null);
  }
  for (const [k, m] of model.marks) if (m.mark === 'closed') add(m.socket, k, 'closed');
  if (sort !== 'kernel') {
    items.sort((a, b) => {
      const x = sortValue(a.socket, sort);
      const y = sortValue(b.socket, sort);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  if (reverse) items.reverse();
  return items;
}

/** UNIX sockets share the Internet table in the live view: path as the local address. */
function unixAsInet(cells: readonly string[], o: ColumnOptions): string[] {
  const [proto, , , type, state, inode] = cells;
  const path = cells[cells.length - 1] ?? '';
  const r = [proto!, '0', '0', path || `(${type!.toLowerCase()})`, '', state!];
  if (o.extend) r.push('-', inode!);
  if (o.programs) r.push(cells[6]!);
  if (o.timers) r.push('');
  return r;
}

interface Props {
  readonly load: () => Promise<SocketListing>;
  readonly intervalMs: number;
  readonly columns: ColumnOptions;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
  /** Keys need a terminal on stdin; without one (`cmd | netdiag netstat` on a terminal) the view only refreshes, and Ctrl-C ends it. */
  readonly interactive?: boolean;
}

/** The live netstat: refreshes every interval; s/r sort, / filter, space pause, arrows scroll, q quit. */
export function NetstatLive({
  load,
  intervalMs,
  columns,
  now = Date.now,
  onError,
  interactive = true,
}: Props) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [model, setModel] = useState<LiveModel>(emptyModel);
  const [sortIndex, setSortIndex] = useState(0);
  const [reverse, setReverse] = useState(false);
  const [filter, setFilter] = useState('');
  const [typing, setTyping] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [offset, setOffset] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (!pausedRef.current) {
        try {
          const listing = await load();
          if (stopped) return;
          setModel((m) => applyListing(m, listing, now()));
        } catch (err) {
          onError?.(err);
          exit();
          return;
        }
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load, intervalMs, now, exit, onError]);

  const sort = SORT_KEYS[sortIndex]!;
  const rows = useMemo(
    () => liveRows(model, columns, sort, reverse, filter),
    [model, columns, sort, reverse, filter],
  );
  const height = Math.max(3, (stdout.rows || 24) - 5);
  const maxOffset = Math.max(0, rows.length - height);
  const top = Math.min(offset, maxOffset);

  // Keys can arrive faster than renders (a paste): the text being typed lives in a ref, not in
  // the closure of the last render.
  const typingRef = useRef<string | null>(null);
  const setTypingNow = (t: string | null) => {
    typingRef.current = t;
    setTyping(t);
  };
  useInput(
    (input, key) => {
      const current = typingRef.current;
      if (current !== null) {
        if (key.return) {
          setFilter(current);
          setTypingNow(null);
          setOffset(0);
        } else if (key.escape) setTypingNow(null);
        else if (key.backspace || key.delete) setTypingNow(current.slice(0, -1));
        else if (input && !key.ctrl && !key.meta) setTypingNow(current + input);
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) exit();
      else if (input === 's') setSortIndex((i) => (i + 1) % SORT_KEYS.length);
      else if (input === 'r') setReverse((r) => !r);
      else if (input === '/') setTypingNow(filter);
      else if (key.escape) setFilter('');
      else if (input === ' ') setPaused((p) => !p);
      else if (key.downArrow) setOffset(Math.min(maxOffset, top + 1));
      else if (key.upArrow) setOffset(Math.max(0, top - 1));
      else if (key.pageDown) setOffset(Math.min(maxOffset, top + height));
      else if (key.pageUp) setOffset(Math.max(0, top - height));
    },
    { isActive: interactive },
  );

  const header = inetHeader(columns);
  const visible = rows.slice(top, top + height).map((r) => ({ ...r, cells: rowCells(r.socket, columns) }));
  const widths = header.map((h) => h.length);
  for (const r of visible) {
    r.cells.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join(' ');
  const opened = rows.filter((r) => r.mark === 'new').length;
  const closed = rows.filter((r) => r.mark === 'closed').length;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>netstat</Text> {model.sockets.length} sockets
        {opened > 0 && <Text color="green"> +{opened} new</Text>}
        {closed > 0 && <Text color="red"> -{closed} closed</Text>} · sort {sort}
        {reverse ? ' (reversed)' : ''}
        {filter ? ` · filter '${filter}'` : ''}
        {paused ? ' · paused' : ''}
        {model.hiddenPids > 0 ? ` · ${model.hiddenPids} processes not visible (not root)` : ''}
      </Text>
      <Text bold>{`  ${line(header)}`}</Text>
      {visible.map((r) => (
        <Text
          key={r.key}
          {...(r.mark !== null && { color: r.mark === 'new' ? 'green' : 'red' })}
          dimColor={r.mark === 'closed'}
        >
          {`${r.mark === 'new' ? '+' : r.mark === 'closed' ? '-' : ' '} ${line(r.cells)}`}
        </Text>
      ))}
      <Text dimColor>
        {typing !== null
          ? `filter (ss expression or text, Enter applies, Esc cancels): ${typing}_`
          : `rows ${rows.length === 0 ? 0 : top + 1}-${top + visible.length} of ${rows.length}${interactive ? ' · s sort · r reverse · / filter · space pause · ↑↓ PgUp PgDn · q quit' : ' · Ctrl-C quits'}`}
      </Text>
    </Box>
  );
}

/** Runs the live view until q, Ctrl-C or the command's signal; prints what could not be seen at the end. */
export async function runNetstatLive(
  o: NetstatOptions,
  io: CommandIo,
  source: SocketSource,
): Promise<number> {
  let failure: unknown;
  let last: SocketListing | undefined;
  const load = async () => {
    last = await loadListing(o, source);
    return last;
  };
  await renderUntilDone(
    <NetstatLive
      load={load}
      intervalMs={o.intervalMs}
      columns={o}
      onError={(err) => (failure = err)}
      interactive={io.stdin.isTTY === true}
    />,
    io,
  );
  if (failure !== undefined) throw failure;
  for (const w of last ? listingWarnings(last) : []) io.stderr.write(`${w}\n`);
  return last && last.sockets.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}
