import { socketErrorText } from '@netdiag/probe-socket';
import {
  defaults,
  PROBE_PAYLOAD,
  probesPerHop,
  TraceError,
  type TraceEvent,
  trace,
} from '@netdiag/ttl-prober';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { checkUser, dropAfterOpen, USER_HELP, userOption } from '../privilege.js';
import { TraceBoard } from '../trace/trace-board.js';
import { traceDot } from '../trace/trace-dot.js';
import { csvLines, reportLines, traceHeader, traceLine } from '../trace/trace-format.js';
import {
  type HopInfo,
  IPINFO_HELP,
  infoCycle,
  ipInfoArgs,
  ipInfoChoice,
  openHopInfo,
} from '../trace/trace-ipinfo.js';
import { traceJsonLine } from '../trace/trace-json.js';
import { mtuResume, mtuTraceHeader, PmtuLines } from '../trace/trace-mtu.js';
import { pathLines } from '../trace/trace-paths.js';
import { LiveFeed } from '../views/live-feed.js';

export const help = `usage: netdiag trace [options] HOST

Finds the path to HOST hop by hop, as traceroute does, and keeps measuring every hop, as mtr
does. Probes keep one flow (Paris traceroute), so load-balanced paths show as several responders
at a hop rather than as false links. Raw sockets (root or CAP_NET_RAW) serve every method;
without privilege, -U uses one UDP datagram socket per probe (as traceroute does) and -I uses
ICMP datagram sockets where net.ipv4.ping_group_range admits the user; with no method given,
ICMP is tried first and UDP used where ICMP is refused.

On a terminal: a live table with mtr's columns and a sparkline per hop, until q (or -c rounds).
Piped: traceroute's lines as hops resolve; with -c or --report, an mtr report after the rounds.

options:
  -I, -U, -T    probe with ICMP echo (default), UDP, or TCP SYN
  -p PORT       destination port for UDP (default 33434) and TCP (default 80)
  -f TTL        first TTL (default 1)
  -m TTL        max TTL (default 30)
  -q N          probes per hop in traceroute mode (default 3)
  -w SECONDS    longest wait for a reply (default 5; 2 in continuous mode)
  -N N          probes in flight at once (default 16)
  --flows N     spread probes over N flows (1-16, default 1) to find load-balanced paths;
                with N > 1, each hop gets at least one probe per flow, and each flow's
                path follows the lines or the report
  --dot[=FILE]  at the end, the graph of responders of every flow in Graphviz DOT, to FILE
                or, without one, to stdout in place of the other output (dot -Tsvg draws it)
  --mtu         find the path MTU at every hop, as tracepath: unfragmentable probes from the
                interface MTU down, shrinking on "fragmentation needed" / "packet too big"
                (ICMP or UDP probes; lines end in "pmtu N" where it changes and close with
                tracepath's "Resume: pmtu N"; the report and the live table gain a PMTU column)
  -i SECONDS    interval between rounds in continuous mode (default 1)
  -c N          continuous mode: N rounds, then the report (or the final table)
  -4, -6        use IPv4 or IPv6 for host names
  -n            no reverse lookups: addresses only
  --report      mtr-style report after -c rounds (default 10)
  --csv         the report as CSV
  --json        NDJSON events (schema netdiag.trace/1, see docs/json.md)
${IPINFO_HELP}
${USER_HELP}
  -h, --help    this help

Keys in the live table: q quit, p pause, r reset statistics, n names on/off, d statistics/history,
y the owner column (off, AS, prefix, country; as mtr).
Exit status: 0 if the destination answered, 1 if not, 2 on error.`;

const options = {
  icmp: { type: 'boolean', short: 'I' },
  udp: { type: 'boolean', short: 'U' },
  tcp: { type: 'boolean', short: 'T' },
  port: { type: 'string', short: 'p' },
  first: { type: 'string', short: 'f' },
  max: { type: 'string', short: 'm' },
  queries: { type: 'string', short: 'q' },
  wait: { type: 'string', short: 'w' },
  inflight: { type: 'string', short: 'N' },
  flows: { type: 'string' },
  mtu: { type: 'boolean' },
  interval: { type: 'string', short: 'i' },
  count: { type: 'string', short: 'c' },
  ipv4: { type: 'boolean', short: '4' },
  ipv6: { type: 'boolean', short: '6' },
  numeric: { type: 'boolean', short: 'n' },
  report: { type: 'boolean' },
  csv: { type: 'boolean' },
  json: { type: 'boolean' },
  dot: { type: 'string' },
  ...ipInfoArgs,
  ...userOption,
  help: { type: 'boolean', short: 'h' },
} as const;

// node:fs/promises (for --dot=FILE) and node:os (the report's host name) are taken where used:
// loading fs/promises (it pulls in readline) cost about 1 ms of a plain trace's start-up, before
// the first probe. process.getBuiltinModule is synchronous and in every supported line (20.16+).
const fsPromises = () => process.getBuiltinModule('node:fs/promises');
const hostname = () => process.getBuiltinModule('node:os').hostname();

/** How long a piped line waits for its hop's reverse names before printing addresses. */
const NAME_WAIT_MS = 2000;

export async function run(args: string[], io: CommandIo): Promise<number> {
  // --dot takes its file after '=' only (as GNU --color[=WHEN]): `--dot HOST` must not eat the host.
  const { values: v, positionals } = parseCommandArgs(
    'trace',
    args.map((a) => (a === '--dot' ? '--dot=-' : a)),
    options,
  );
  if (v.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      `trace: ${positionals.length ? 'one host at a time' : 'no host given'}; usage: netdiag trace [options] HOST`,
    );
  const host = positionals[0]!;
  if ([v.icmp, v.udp, v.tcp].filter(Boolean).length > 1)
    throw new UsageError('trace: -I, -U and -T exclude each other');
  if (v.ipv4 && v.ipv6) throw new UsageError('trace: -4 and -6 exclude each other');
  if ([v.report, v.csv, v.json].filter(Boolean).length > 1)
    throw new UsageError('trace: --report, --csv and --json exclude each other');
  const method = v.udp ? 'udp' : v.tcp ? 'tcp' : 'icmp';
  const mtu = v.mtu === true;
  if (mtu && v.tcp)
    throw new UsageError(
      'trace: --mtu needs ICMP or UDP probes (-I, -U): a TCP SYN carries no payload to size',
    );
  const int = (flag: string, text: string | undefined, min: number, max: number) =>
    numberFlag('trace', flag, text, { min, max, integer: true });
  const secondsMs = (flag: string, text: string | undefined) => {
    const s = numberFlag('trace', flag, text, { min: 0.001, max: 3600 });
    return s === undefined ? undefined : s * 1000;
  };
  const port = int('-p', v.port, 1, 65_535);
  const firstTtl = int('-f', v.first, 1, 255);
  const maxTtl = int('-m', v.max, 1, 255);
  const queries = int('-q', v.queries, 1, 10);
  const inflight = int('-N', v.inflight, 1, 1024);
  const flows = int('--flows', v.flows, 1, 16);
  const waitMs = secondsMs('-w', v.wait);
  const intervalMs = secondsMs('-i', v.interval);
  const reportMode = v.report === true || v.csv === true;
  const cycles = int('-c', v.count, 1, Number.MAX_SAFE_INTEGER) ?? (reportMode ? 10 : undefined);
  const json = v.json === true;
  const dotOut = v.dot === '-' ? 'stdout' : v.dot;
  if (dotOut === '') throw new UsageError('trace: --dot= needs a file name (or --dot alone for stdout)');
  if (dotOut === 'stdout' && (json || reportMode))
    throw new UsageError(
      'trace: --dot without a file writes to stdout, as --report, --csv and --json do: give --dot=FILE',
    );
  const quiet = dotOut === 'stdout';
  const live = wantsLiveView(io, json || quiet) && !reportMode;
  // The live table and reports are mtr: rounds. Piped without -c, or --json without -c: traceroute.
  const continuous = live || reportMode || cycles !== undefined;
  const numeric = v.numeric === true;
  await checkUser('trace', v.user);
  // Opened before the first probe, so that a file that will not do stops the run before a packet.
  const ipInfo = ipInfoChoice(v);
  const info: HopInfo | undefined = ipInfo && (await openHopInfo(ipInfo));
  const infoOf = info && ((a: string) => info.text(a));
  // Opened now: a file that cannot be written fails before the trace, not after it.
  const dotFile = dotOut === undefined || dotOut === 'stdout' ? undefined : await openDot(dotOut);

  const traceOptions = {
    mode: continuous ? 'continuous' : 'classic',
    resolveNames: !numeric,
    // Read by the live table and --json's hop lines; traceroute's lines come from the probes.
    hopEvents: live || json,
    signal: io.signal,
    ...(port !== undefined && { port }),
    ...(firstTtl !== undefined && { firstTtl }),
    ...(maxTtl !== undefined && { maxTtl }),
    ...(queries !== undefined && { queriesPerHop: queries }),
    ...(inflight !== undefined && { maxInFlight: inflight }),
    ...(flows !== undefined && { flows }),
    ...(waitMs !== undefined && { waitMs }),
    ...(intervalMs !== undefined && { roundIntervalMs: intervalMs }),
    ...(cycles !== undefined && { cycles }),
    ...(v.ipv4 && { family: 4 as const }),
    ...(v.ipv6 && { family: 6 as const }),
    ...(mtu && { mtu }),
  } as const;
  // As traceroute: without privilege and without a method asked for, trace over UDP datagram
  // sockets, which need none, rather than stop at ICMP's refusal.
  const methodChosen = v.icmp === true || v.udp === true || v.tcp === true;
  let run = trace(host, { ...traceOptions, method });

  const board = new TraceBoard(!numeric);
  board.infoOf = infoOf;
  const nextInfo = infoCycle(ipInfo, info);
  let infoPresses = 0;
  const feed = new LiveFeed(() => board.snapshot());
  const view = live
    ? import('../views/trace-live.js').then((m) =>
        m.mountTraceLive(
          feed,
          {
            quit: () => run.stop(),
            togglePause: () => {
              board.paused = !board.paused;
              if (board.paused) run.pause();
              else run.resume();
              feed.changed();
            },
            reset: () => {
              run.reset();
              board.reset();
              feed.changed();
            },
            toggleNames: () => {
              board.showNames = !board.showNames;
              feed.changed();
            },
            toggleDisplay: () => {
              board.display = board.display === 'stats' ? 'history' : 'stats';
              feed.changed();
            },
            cycleInfo: () => {
              // Opening a field's data takes a moment: only the last press counts.
              const press = ++infoPresses;
              void nextInfo().then((i) => {
                if (press !== infoPresses) return;
                board.infoOf = i && ((a: string) => i.text(a));
                feed.changed();
              });
            },
          },
          io.stdout as NodeJS.WriteStream,
        ),
      )
    : undefined;
  view?.catch(() => {});
  const nameOf = (a: string) => (numeric ? undefined : run.nameOf(a));

  // traceroute mode: a hop's line is printed once all its probes settled and every hop before it is out.
  const pmtuLines = new PmtuLines();
  const probesByTtl = new Map<number, Extract<TraceEvent, { type: 'probe' }>[]>();
  let printedUpTo = 0;
  let firstTtlSeen = 1;
  let queriesPerHop: number = defaults.queriesPerHop;
  let destinationTtl: number | undefined;
  let lineChain = Promise.resolve();
  const printReadyLines = (final: boolean) => {
    for (;;) {
      const ttl = Math.max(printedUpTo + 1, firstTtlSeen);
      if (destinationTtl !== undefined && ttl > destinationTtl) return;
      const probes = probesByTtl.get(ttl) ?? [];
      if (probes.length < queriesPerHop && !final) return;
      if (probes.length === 0 && final) return;
      printedUpTo = ttl;
      probesByTtl.delete(ttl);
      const responders = [...new Set(probes.map((p) => p.responder).filter((r): r is string => r !== null))];
      // Lines keep their order; each waits (briefly) for its hop's names, never for a probe.
      lineChain = lineChain.then(async () => {
        if (!numeric)
          await Promise.race([Promise.all(responders.map((r) => run.nameSettled(r))), sleep(NAME_WAIT_MS)]);
        io.stdout.write(`${traceLine(ttl, probes, numeric, nameOf, infoOf)}${pmtuLines.suffix(probes)}\n`);
      });
    }
  };

  // Probes that never left (no route for a while, no descriptor for their socket): shown as `*`
  // in their hop, as lost in the report, and counted here so the run says why.
  const unsent = new Map<string, number>();
  let probesSeen = 0;
  let reached = false;
  let startedAt = new Date();
  let started = false;
  let fellBack = false;
  let dotEnds: { host: string; address: string; source: string } | undefined;
  try {
    for (;;) {
      try {
        for await (const e of run) {
          // The first event comes once every socket of the run is open: drop privilege now.
          if (!started) await dropAfterOpen('trace', v.user, io);
          started = true;
          await show(e);
        }
        break;
      } catch (err) {
        const refused = err instanceof TraceError && err.code === 'NO_PERMISSION';
        if (started || fellBack || methodChosen || !refused || method !== 'icmp') throw err;
        fellBack = true;
        run = trace(host, { ...traceOptions, method: 'udp' });
      }
    }
  } catch (err) {
    await dotFile?.close().catch(() => {});
    const unmount = await view?.catch(() => undefined);
    await unmount?.();
    if (err instanceof TraceError)
      throw new CliError(`trace: ${err.message}`, ExitCode.Error, { cause: err });
    throw err;
  }
  // --json carries each failure as its probe's errorCode; the other outputs say it once here.
  if (!json && unsent.size > 0) {
    for (const [code, n] of unsent)
      io.stderr.write(`netdiag: trace: ${n} of ${probesSeen} probes not sent: ${socketErrorText(code)}\n`);
    // The path was not found because probes could not go out: the trace could not be done.
    if (!reached) return ExitCode.Error;
  }
  return reached ? ExitCode.Ok : ExitCode.NoAnswer;

  async function show(e: TraceEvent): Promise<void> {
    if (e.type === 'probe') {
      probesSeen++;
      const code = e.outcome === 'send-error' ? (e.errorCode ?? 'UNKNOWN') : undefined;
      if (code !== undefined) unsent.set(code, (unsent.get(code) ?? 0) + 1);
    }
    if (json) {
      io.stdout.write(`${traceJsonLine(e, nameOf, info)}\n`);
      if (e.type === 'end') reached = e.reached;
      if (dotOut !== undefined) await writeDot(e);
      return;
    }
    if (live) {
      board.apply(e);
      feed.changed();
    }
    if (dotOut !== undefined) await writeDot(e);
    if (quiet) {
      if (e.type === 'end') reached = e.reached;
      return;
    }
    switch (e.type) {
      case 'start':
        startedAt = new Date(e.time);
        firstTtlSeen = e.config.firstTtl;
        printedUpTo = e.config.firstTtl - 1;
        queriesPerHop = probesPerHop(e.config);
        if (!continuous) {
          const headerBytes = e.family === 4 ? 20 : 40;
          const transport = e.method === 'icmp' ? 8 : e.method === 'udp' ? 8 : 20;
          io.stdout.write(
            mtu
              ? `${mtuTraceHeader(host, e.address, e.config.maxTtl)}\n`
              : `${traceHeader(host, e.address, e.config.maxTtl, headerBytes + transport + (e.method === 'tcp' ? 0 : PROBE_PAYLOAD))}\n`,
          );
        }
        break;
      case 'probe':
        if (continuous) break;
        if (e.kind === 'reached' || e.kind === 'unreachable') {
          if (destinationTtl === undefined || e.ttl < destinationTtl) destinationTtl = e.ttl;
        }
        probesByTtl.set(e.ttl, [...(probesByTtl.get(e.ttl) ?? []), e]);
        printReadyLines(false);
        break;
      case 'end':
        reached = e.reached;
        if (!continuous) {
          printReadyLines(true);
          await lineChain;
          const resume = mtu ? mtuResume(e.hops, e.reached) : undefined;
          if (resume) io.stdout.write(`${resume}\n`);
          writePaths(e.paths);
        } else {
          const unmount = await view?.catch(() => undefined);
          await unmount?.();
          if (reportMode || !live) {
            if (!numeric)
              await Promise.race([
                Promise.all(e.hops.flatMap((h) => h.responders.map((r) => run.nameSettled(r.address)))),
                sleep(NAME_WAIT_MS),
              ]);
            const lines = v.csv
              ? csvLines(e.hops, nameOf, mtu, info)
              : reportLines(startedAt, hostname(), e.hops, numeric, nameOf, mtu, infoOf);
            io.stdout.write(`${lines.join('\n')}\n`);
            if (!v.csv) writePaths(e.paths);
          }
        }
        // Attributed to no hop, but never silently: a path that forges or mangles answers is news.
        if (e.corrupt > 0 && !v.csv)
          io.stdout.write(
            `${e.corrupt} corrupt ${e.corrupt === 1 ? 'reply' : 'replies'} ignored (bad checksum, or quoting no probe sent)\n`,
          );
        break;
      default:
        break;
    }
  }

  function writePaths(paths: Extract<TraceEvent, { type: 'end' }>['paths']): void {
    if ((flows ?? 1) > 1) io.stdout.write(`${pathLines(paths, numeric, nameOf).join('\n')}\n`);
  }

  // --dot: the graph once the trace ends, from the start event's ends and the end event's paths.
  async function writeDot(e: TraceEvent): Promise<void> {
    if (e.type === 'start') dotEnds = { host: e.host, address: e.address, source: e.flow.source };
    if (e.type !== 'end' || !dotEnds) return;
    if (!numeric)
      await Promise.race([
        Promise.all(
          e.paths.flatMap((p) => p.hops.flatMap((h) => h.responders.map((r) => run.nameSettled(r.address)))),
        ),
        sleep(NAME_WAIT_MS),
      ]);
    const text = traceDot({ ...dotEnds, paths: e.paths, nameOf });
    if (!dotFile) {
      io.stdout.write(text);
      return;
    }
    try {
      await dotFile.writeFile(text);
    } catch (err) {
      throw new CliError(`trace: cannot write ${dotOut}: ${(err as Error).message}`, ExitCode.Error, {
        cause: err,
      });
    } finally {
      await dotFile.close();
    }
  }
}

async function openDot(file: string) {
  try {
    return await fsPromises().open(file, 'w');
  } catch (err) {
    throw new CliError(`trace: cannot write ${file}: ${(err as Error).message}`, ExitCode.Error, {
      cause: err,
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
