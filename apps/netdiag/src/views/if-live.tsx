import { type Interface, InterfaceSampler, type RatePoint } from '@netdiag/interface-stats';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { ExitCode } from '../cli-error.js';
import { formatBitRate, type IfOptions, selectInterfaces } from '../commands/if.js';
import type { CommandIo } from '../io.js';
import { printable } from '../printable.js';
import { renderUntilDone } from './render-until-done.js';

/** How long an interface that vanished stays named in the header. */
export const GONE_MS = 3000;

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * A sparkline of rates scaled from zero to the window's maximum (not min-to-max as for RTTs: a
 * steady 1 Mbit/s must look full, not empty); an idle interface draws a flat baseline.
 */
export function rateSparkline(values: readonly number[], width: number): string {
  const window = values.slice(-width);
  const hi = Math.max(0, ...window);
  return window
    .map((v) =>
      hi > 0 && v > 0 ? BARS[Math.min(BARS.length - 1, Math.ceil((v / hi) * BARS.length) - 1)] : BARS[0],
    )
    .join('')
    .padEnd(width, ' ');
}

export interface LiveRow {
  readonly name: string;
  readonly state: string;
  readonly rx: string;
  readonly tx: string;
  readonly rxPps: string;
  readonly txPps: string;
  readonly errDrop: string;
  readonly spark: string;
  /** New since the last sample (no rate yet) */
  readonly fresh: boolean;
}

export interface LiveModel {
  readonly rows: readonly LiveRow[];
  readonly samples: number;
  /** Interfaces that vanished in the last sample. */
  readonly vanished: readonly string[];
}

export const emptyModel: LiveModel = { rows: [], samples: 0, vanished: [] };

const perSecond = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/**
 * Feeds one reading of the interfaces into the sampler and builds the rows. The sampler keeps
 * the state (previous counters, bounded history); this stays a plain function of its inputs.
 */
export function sampleRows(
  sampler: InterfaceSampler,
  interfaces: readonly Interface[],
  atMs: number,
  sparkWidth: number,
): LiveModel {
  const snapshot = new Map<string, { index: number; counters: NonNullable<Interface['counters']> }>();
  for (const i of interfaces)
    if (i.counters !== undefined) snapshot.set(i.name, { index: i.index, counters: i.counters });
  const result = sampler.push({ atMs, interfaces: snapshot });
  const byName = new Map(result.map((r) => [r.name, r]));
  const rows = interfaces.map((i): LiveRow => {
    const r = byName.get(i.name);
    const history: readonly RatePoint[] = sampler.history(i.name);
    const state = i.operState;
    if (r === undefined || r.status !== 'measured') {
      return {
        name: printable(i.name),
        state,
        rx: '…',
        tx: '…',
        rxPps: '…',
        txPps: '…',
        errDrop: '…',
        spark: rateSparkline([], sparkWidth),
        fresh: true,
      };
    }
    const x = r.rates;
    return {
      name: printable(i.name),
      state,
      rx: formatBitRate(x.rxBitsPerSecond),
      tx: formatBitRate(x.txBitsPerSecond),
      rxPps: perSecond(x.rxPacketsPerSecond),
      txPps: perSecond(x.txPacketsPerSecond),
      errDrop: `${perSecond(x.rxErrorsPerSecond + x.txErrorsPerSecond)}/${perSecond(x.rxDroppedPerSecond + x.txDroppedPerSecond)}`,
      spark: rateSparkline(
        history.map((p) => p.rates.rxBitsPerSecond + p.rates.txBitsPerSecond),
        sparkWidth,
      ),
      fresh: false,
    };
  });
  return {
    rows,
    samples: sampler.historyLength,
    vanished: result.filter((r) => r.status === 'vanished').map((r) => printable(r.name)),
  };
}

const header = ['IFACE', 'STATE', 'RX', 'TX', 'RX pkt/s', 'TX pkt/s', 'err/drop/s'] as const;

export function IfTable({
  model,
  intervalMs,
  paused,
  width,
  height = Number.POSITIVE_INFINITY,
  offset = 0,
}: {
  model: LiveModel;
  intervalMs: number;
  paused: boolean;
  width: number;
  /** Rows of interfaces that fit; the rest scroll (offset). */
  height?: number;
  offset?: number;
}) {
  const cells = (r: LiveRow) => [r.name, r.state, r.rx, r.tx, r.rxPps, r.txPps, r.errDrop];
  const widths = header.map((h) => h.length);
  for (const r of model.rows) {
    for (const [i, c] of cells(r).entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  const line = (cs: readonly string[]) =>
    cs.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const tableWidth = widths.reduce((a, b) => a + b + 2, 0);
  const showSpark = width - tableWidth >= 12;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>netdiag if</Text> · {model.rows.length} interfaces · every {intervalMs / 1000} s
        {paused ? ' · paused' : ''}
        {model.vanished.length > 0 ? <Text color="red"> · gone: {model.vanished.join(', ')}</Text> : ''}
      </Text>
      <Text bold>{`${line(header)}${showSpark ? '  RX+TX' : ''}`}</Text>
      {model.rows.slice(offset, offset + height).map((r) => (
        <Text key={r.name} dimColor={r.state !== 'up' && r.state !== 'unknown'}>
          {line(cells(r))}
          {showSpark ? <Text color="cyan">{`  ${r.spark.trimEnd()}`}</Text> : ''}
        </Text>
      ))}
      <Text dimColor>
        {model.rows.length > height
          ? `interfaces ${offset + 1}-${Math.min(model.rows.length, offset + height)} of ${model.rows.length} · ↑↓ scroll · `
          : ''}
        space pause · q quit
      </Text>
    </Box>
  );
}

export interface IfLiveProps {
  readonly load: () => Promise<Interface[]>;
  readonly intervalMs: number;
  readonly historyLength: number;
  readonly now: () => number;
  readonly onError: (err: unknown) => void;
}

export function IfLive({ load, intervalMs, historyLength, now, onError }: IfLiveProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const sampler = useRef(new InterfaceSampler({ historyLength }));
  const goneRef = useRef(new Map<string, number>());
  const [model, setModel] = useState<LiveModel>(emptyModel);
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const width = stdout.columns || 100;
  const sparkWidth = Math.max(8, Math.min(historyLength, width - 75));

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const interfaces = await load();
        const at = now();
        const m = sampleRows(sampler.current, interfaces, at, sparkWidth);
        const gone = goneRef.current;
        for (const name of m.vanished) gone.set(name, at);
        for (const [name, since] of gone)
          if (at - since > GONE_MS || m.rows.some((r) => r.name === name)) gone.delete(name);
        if (!stopped && !pausedRef.current) setModel({ ...m, vanished: [...gone.keys()] });
      } catch (err) {
        onError(err);
        exit();
        return;
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load, intervalMs, now, exit, onError, sparkWidth]);

  // Header, column titles and footer take three lines; keep one spare so Ink never scrolls.
  const height = Math.max(1, (stdout.rows || 24) - 4);
  const [offset, setOffset] = useState(0);
  const maxOffset = Math.max(0, model.rows.length - height);
  const top = Math.min(offset, maxOffset);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) exit();
    else if (input === ' ') setPaused((p) => !p);
    else if (key.downArrow) setOffset(Math.min(maxOffset, top + 1));
    else if (key.upArrow) setOffset(Math.max(0, top - 1));
  });

  return (
    <IfTable
      model={model}
      intervalMs={intervalMs}
      paused={paused}
      width={width}
      height={height}
      offset={top}
    />
  );
}

/** Runs the live view until q, Ctrl-C or the command's signal. */
export async function runIfLive(
  o: IfOptions,
  io: CommandIo,
  readInterfaces: () => Promise<Interface[]>,
): Promise<number> {
  let failure: unknown;
  const load = async () => selectInterfaces(await readInterfaces(), o.names);
  await renderUntilDone(
    <IfLive
      load={load}
      intervalMs={o.intervalMs}
      historyLength={o.historyLength}
      now={() => performance.now()}
      onError={(err) => {
        failure = err;
      }}
    />,
    io,
  );
  if (failure !== undefined) throw failure;
  return ExitCode.Ok;
}
