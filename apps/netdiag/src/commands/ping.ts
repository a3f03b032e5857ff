import {
  type Lookup,
  PingError,
  type PingEvent,
  type PingTarget,
  ping,
  resolveHost,
  systemLookup,
} from '@netdiag/icmp';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { PingBoard } from '../ping/ping-board.js';
import { eventLine, headerLine, summaryLines } from '../ping/ping-format.js';
import { type PingJsonOptions, pingJsonLine } from '../ping/ping-json.js';
import { printable } from '../printable.js';
import { checkUser, dropAfterOpen, USER_HELP, userOption } from '../privilege.js';
import { LiveFeed } from '../views/live-feed.js';

export const help = `usage: netdiag ping [options] HOST...

Sends ICMP echo requests to each HOST and reports every reply, as ping does; several hosts are
pinged at once, each with its own statistics (as fping). Uses raw sockets with CAP_NET_RAW
(root), else ICMP datagram sockets where net.ipv4.ping_group_range admits the user.

options:
  -c COUNT      stop after COUNT requests to each host (default: until Ctrl-C)
  -i SECONDS    interval between requests to one host (default 1)
  -W SECONDS    time to wait for each reply (default 2)
  -w SECONDS    deadline: stop after this many seconds whatever is outstanding
  -s BYTES      ICMP payload size (default 56)
  -t TTL        time to live / hop limit of the requests (1-255)
  -4, -6        use IPv4 or IPv6 for host names
  -n            numeric output: print addresses, not names
  -q            quiet: only the header and the summary
  -D            print a UNIX timestamp before each line
  -O            report requests that got no answer before their timeout
  --json        NDJSON events (schema netdiag.ping/2, see docs/json.md); never loads the live view
${USER_HELP}
  -h, --help    this help

On a terminal a live table (one row per host, loss, RTTs, a sparkline) stays under the lines.
Among several hosts, a name that does not resolve is reported on stderr and the others are
pinged (as fping); the exit status is then 2.
Exit status: 0 if any reply came, 1 if none, 2 on error (bad input, unknown host, no permission).`;

const options = {
  count: { type: 'string', short: 'c' },
  interval: { type: 'string', short: 'i' },
  timeout: { type: 'string', short: 'W' },
  deadline: { type: 'string', short: 'w' },
  size: { type: 'string', short: 's' },
  ttl: { type: 'string', short: 't' },
  ipv4: { type: 'boolean', short: '4' },
  ipv6: { type: 'boolean', short: '6' },
  numeric: { type: 'boolean', short: 'n' },
  quiet: { type: 'boolean', short: 'q' },
  timestamps: { type: 'boolean', short: 'D' },
  outstanding: { type: 'boolean', short: 'O' },
  json: { type: 'boolean' },
  ...userOption,
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals: hosts } = parseCommandArgs('ping', args, options);
  if (v.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  if (hosts.length === 0) throw new UsageError('ping: no host given; usage: netdiag ping [options] HOST...');
  if (v.ipv4 && v.ipv6) throw new UsageError('ping: -4 and -6 exclude each other');
  const seconds = (flag: string, text: string | undefined, min: number) => {
    const s = numberFlag('ping', flag, text, { min, max: 86_400 });
    return s === undefined ? undefined : s * 1000;
  };
  const count = numberFlag('ping', '-c', v.count, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
  const intervalMs = seconds('-i', v.interval, 0.001) ?? 1000;
  const timeoutMs = seconds('-W', v.timeout, 0.001) ?? 2000;
  const deadlineMs = seconds('-w', v.deadline, 0.001);
  const payloadSize = numberFlag('ping', '-s', v.size, { min: 0, max: 65_507, integer: true }) ?? 56;
  const ttl = numberFlag('ping', '-t', v.ttl, { min: 1, max: 255, integer: true });
  const family: 4 | 6 | undefined = v.ipv4 ? 4 : v.ipv6 ? 6 : undefined;
  const json = v.json === true;
  await checkUser('ping', v.user);

  const runOptions = {
    intervalMs,
    timeoutMs,
    payloadSize,
    signal: io.signal,
    ...(count !== undefined && { count }),
    ...(deadlineMs !== undefined && { deadlineMs }),
    ...(ttl !== undefined && { ttl }),
    ...(family !== undefined && { family }),
  } as const;
  const jsonOptions: PingJsonOptions = {
    count: count ?? null,
    intervalMs,
    timeoutMs,
    deadlineMs: deadlineMs ?? null,
    payloadSize,
    ttl: ttl ?? null,
    family: family ?? null,
  };
  const lineOptions = {
    numeric: v.numeric === true,
    timestamps: v.timestamps === true,
    reportOutstanding: v.outstanding === true,
    payloadSize,
  };

  const { pingable, lookup, unknown } = await resolveSeveral(hosts, family);
  for (const err of unknown) io.stderr.write(`netdiag: ping: ${printable(err.message)}\n`);
  if (pingable.length === 0) return ExitCode.Error;

  // The run starts before any view is loaded: the first request goes out while Ink loads.
  const pingRun = ping(pingable, { ...runOptions, lookup });
  const live = wantsLiveView(io, json);
  const board = new PingBoard();
  const feed = new LiveFeed(() => board.snapshot());
  const view = live
    ? import('../views/ping-live.js').then((m) => m.mountPingLive(feed, io.stdout as NodeJS.WriteStream))
    : undefined;
  // A view that fails to load costs the pretty table, not the run, nor the lines.
  view?.catch(() => feed.fallback((line) => io.stdout.write(`${line}\n`)));
  const out = (line: string) => (live ? feed.line(line) : io.stdout.write(`${line}\n`));

  let targets: readonly PingTarget[] = [];
  let anyReply = false;
  try {
    for await (const e of pingRun as AsyncIterable<PingEvent>) {
      if (e.type === 'start') {
        targets = e.targets;
        // Every socket of the run is open: nothing from here on needs privilege.
        await dropAfterOpen('ping', v.user, io);
      }
      if (e.type === 'reply' && !e.duplicate) anyReply = true;
      if (json) {
        const line = pingJsonLine(e, targets, jsonOptions);
        if (line !== undefined) io.stdout.write(`${line}\n`);
        continue;
      }
      board.apply(e);
      feed.changed();
      if (e.type === 'start') {
        for (const t of e.targets) out(headerLine(t, payloadSize));
      } else if (e.type === 'end') {
        const unmount = await view?.catch(() => undefined);
        await unmount?.();
        for (const s of e.summaries) io.stdout.write(`\n${summaryLines(s).join('\n')}\n`);
      } else if (!v.quiet) {
        const line = eventLine(e, targets, lineOptions);
        if (line !== undefined) out(line);
      }
    }
  } catch (err) {
    const unmount = await view?.catch(() => undefined);
    await unmount?.();
    if (err instanceof PingError) throw new CliError(`ping: ${err.message}`, ExitCode.Error, { cause: err });
    throw err;
  }
  if (unknown.length > 0) return ExitCode.Error;
  return anyReply ? ExitCode.Ok : ExitCode.NoAnswer;
}

/**
 * fping's rule for several hosts: one whose name does not resolve is reported and left out, the
 * others are pinged (a lone unknown host ends the run as before: one line, exit 2). Each name is
 * resolved once, here; the pinger gets the answers through its lookup.
 */
async function resolveSeveral(
  hosts: readonly string[],
  family: 4 | 6 | undefined,
): Promise<{ pingable: readonly string[]; lookup: Lookup; unknown: readonly PingError[] }> {
  if (hosts.length === 1) return { pingable: hosts, lookup: systemLookup, unknown: [] };
  const settled = await Promise.allSettled(hosts.map((h) => resolveHost(h, family, systemLookup)));
  const isUnknown = (r: PromiseSettledResult<unknown>): r is PromiseRejectedResult =>
    r.status === 'rejected' && r.reason instanceof PingError && r.reason.code === 'UNKNOWN_HOST';
  const unknown = settled.filter(isUnknown).map((r) => r.reason as PingError);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isUnknown(r));
  if (failed) {
    const err: unknown = failed.reason;
    if (err instanceof PingError) throw new CliError(`ping: ${err.message}`, ExitCode.Error, { cause: err });
    throw err;
  }
  const answers = new Map<string, { address: string; family: 4 | 6 }>();
  for (const [i, r] of settled.entries()) if (r.status === 'fulfilled') answers.set(hosts[i]!, r.value);
  return {
    pingable: hosts.filter((_, i) => settled[i]!.status === 'fulfilled'),
    lookup: async (host, f) => answers.get(host) ?? systemLookup(host, f),
    unknown,
  };
}
