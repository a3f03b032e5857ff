// netdiag capture on a terminal: the packet rate with a sparkline, the top talkers, the protocols
// and the latest lines. The command feeds packets into a CaptureTally (plain state, tested on its
// own); the view redraws it a few times a second. The view owns no socket: the capture runs in
// the command and ends on q, Ctrl-C or -c.
import type { Capture, CapturedPacket, CaptureOpened, LivePacket } from '@netdiag/capture';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { ExitCode } from '../cli-error.js';
import type { CaptureArgs } from '../commands/capture-args.js';
import { makePrinter } from '../commands/capture-output.js';
import type { CommandIo } from '../io.js';
import { printable } from '../printable.js';
import { rateSparkline } from './if-live.js';
import { renderUntilDone } from './render-until-done.js';

/** What one packet counts towards: its talker (source address) and its top protocol. */
export interface PacketSummary {
  readonly talker: string | undefined;
  readonly protocol: string;
}

/** Counts over a capture: per-second packets, talkers, protocols, the last lines. Plain state. */
export class CaptureTally {
  readonly perSecond: number[] = [];
  readonly talkers = new Map<string, { packets: number; bytes: number }>();
  readonly protocols = new Map<string, number>();
  readonly lines: string[] = [];
  packets = 0;
  bytes = 0;
  #second: number | undefined;

  constructor(
    readonly historyLength = 120,
    readonly lineCount = 10,
  ) {}

  add(p: CapturedPacket, summary: PacketSummary, text: string): void {
    this.packets++;
    this.bytes += p.originalLength;
    this.tick(p.seconds);
    this.perSecond[this.perSecond.length - 1]!++;
    if (summary.talker !== undefined) {
      const t = this.talkers.get(summary.talker) ?? { packets: 0, bytes: 0 };
      t.packets++;
      t.bytes += p.originalLength;
      this.talkers.set(summary.talker, t);
    }
    this.protocols.set(summary.protocol, (this.protocols.get(summary.protocol) ?? 0) + 1);
    for (const line of text.split('\n')) if (line !== '') this.lines.push(line);
    if (this.lines.length > this.lineCount) this.lines.splice(0, this.lines.length - this.lineCount);
  }

  /** Moves the rate window to `second` (Unix seconds), opening empty seconds on the way. */
  tick(second: number): void {
    if (this.#second === undefined) {
      this.#second = second;
      this.perSecond.push(0);
      return;
    }
    while (this.#second < second) {
      this.#second++;
      this.perSecond.push(0);
      if (this.perSecond.length > this.historyLength) this.perSecond.shift();
    }
  }

  top<K>(map: Map<K, { packets: number; bytes: number }> | Map<K, number>, n: number): [K, number][] {
    return [...map.entries()]
      .map(([k, v]): [K, number] => [k, typeof v === 'number' ? v : v.packets])
      .sort((a, b) => b[1] - a[1])
      .slice(0, n);
  }
}

type Layerish = { protocol: string; header?: { source?: string }; senderProtocol?: string };

/** Talker and protocol from @netdiag/capture's decoded layers (the innermost named layer). */
export function summarize(layers: readonly Layerish[] | undefined): PacketSummary {
  if (layers === undefined || layers.length === 0) return { talker: undefined, protocol: 'other' };
  const ip = layers.find((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6');
  const arp = layers.find((l) => l.protocol === 'arp');
  const talker = ip?.header?.source ?? arp?.senderProtocol;
  const top = layers[layers.length - 1]!.protocol;
  return { talker, protocol: top };
}

export function CaptureView({
  tally,
  opened,
  version,
  done,
}: {
  tally: CaptureTally;
  opened: CaptureOpened;
  version: number;
  done: boolean;
}) {
  const { stdout } = useStdout();
  const width = Math.max(40, stdout?.columns ?? 80);
  const rate = tally.perSecond.at(-2) ?? 0;
  const talkers = tally.top(tally.talkers, 5);
  const protocols = tally.top(tally.protocols, 6);
  return (
    <Box flexDirection="column" key={version}>
      <Text>
        <Text bold>netdiag capture</Text> · {printable(opened.interface)} · {tally.packets} packets · {rate}{' '}
        pkt/s{done ? ' · ended' : ''}
      </Text>
      <Text color="cyan">
        {rateSparkline(tally.perSecond.slice(0, -1), Math.min(60, width - 2)).trimEnd()}
      </Text>
      <Box>
        <Box flexDirection="column" marginRight={4}>
          <Text bold>top talkers</Text>
          {talkers.map(([k, n]) => (
            <Text key={k}>{`${printable(k).padEnd(40)} ${String(n).padStart(8)}`}</Text>
          ))}
        </Box>
        <Box flexDirection="column">
          <Text bold>protocols</Text>
          {protocols.map(([k, n]) => (
            <Text key={k}>{`${k.padEnd(8)} ${String(n).padStart(8)}`}</Text>
          ))}
        </Box>
      </Box>
      <Text bold>latest</Text>
      {tally.lines.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines scroll; position is their identity
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
      <Text dimColor>q quit</Text>
    </Box>
  );
}

function Live({ tally, opened, feed }: { tally: CaptureTally; opened: CaptureOpened; feed: Promise<void> }) {
  const { exit } = useApp();
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(false);
  useInput((input) => {
    if (input === 'q') exit();
  });
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 250);
    feed.finally(() => setDone(true));
    return () => clearInterval(timer);
  }, [feed]);
  return <CaptureView tally={tally} opened={opened} version={version} done={done} />;
}

export async function runCaptureLive(
  o: CaptureArgs,
  io: CommandIo,
  run: Capture,
  opened: CaptureOpened,
  stop: AbortController,
): Promise<number> {
  const { decode } = await import('@netdiag/capture');
  const tally = new CaptureTally();
  let text = '';
  const printer = await makePrinter(o, {
    add: (t) => {
      text += t;
    },
    flush() {},
  });
  const feed = (async () => {
    for await (const p of run as AsyncIterable<LivePacket>) {
      printer.packet(p);
      printer.flush();
      tally.add(p, summarize(decode(p.data, p.linkType).layers as readonly Layerish[]), text);
      text = '';
    }
  })();
  feed.catch(() => {});
  await renderUntilDone(<Live tally={tally} opened={opened} feed={feed} />, io);
  stop.abort();
  await feed;
  io.stderr.write((await import('@netdiag/capture')).formatStats(run.stats()));
  return ExitCode.Ok;
}
