// The CLI around a command: usage, --version, signals, the command's standard streams, its exit
// code, and every failure as one line. Each command's bundle holds it with the command
// (dist/<command>.cjs, made by scripts/bundle-cli.mjs from a two-line entry): the dispatcher,
// dist/cli.cjs, only picks the bundle, so that this code comes from the bundle's V8 code cache
// rather than being compiled afresh on every run. Run from source, src/main.ts calls it.
import { CliError, ExitCode, isCliError, systemFailureText } from './cli-error.js';
import { type CommandName, commandNamed } from './command-names.js';
import type { Command, CommandIo, Output } from './io.js';
import { outputFailed, outputFor } from './stdio.js';

/** A command ready to run, and how to keep its compiled code for the next run. */
export interface LoadedCommand {
  readonly run: Command;
  /** Writes the code cache where there was none or V8 refused it: called once the work is done. */
  saveCache(): void;
}

/** The command being run, to name it in a system failure's line. */
let commandName: CommandName | undefined;

const usage = `usage: netdiag <command> [options]

commands:
  ping HOST...        ICMP echo to one or more hosts, live statistics (like ping and fping)
  trace HOST          the path hop by hop, then live per-hop statistics (like traceroute and mtr)
  netstat [FILTER]    sockets with their processes, routes (-r), counters (-s); live on a terminal
  lookup NAME [TYPE]  DNS query over UDP, TCP, TLS or HTTPS; nslookup, dig or +short output
  if [IFACE...]       interfaces, addresses and counters; live rates and sparklines on a terminal
  arp [probe|scan]    the neighbour table; ARP probe (like arping) and subnet scan (like arp-scan)
  monitor [TARGET...] long-running agent for Prometheus: ICMP to many targets, /metrics, /probe
  capture [EXPR]      packets on an interface through a pcap filter, tcpdump's lines, pcap files
  privileges          how this user gets raw sockets (root, the helper, or none), and why;
                      also 'netdiag --privileges'

Run 'netdiag <command> --help' for a command's options.
Exit codes: 0 answered, 1 nothing answered, 2 error (bad input, no permission, unknown host).`;

async function main(argv: string[], load: (name: CommandName) => Promise<LoadedCommand>): Promise<number> {
  const [given, ...args] = argv;
  if (given === undefined || given === '-h' || given === '--help' || given === 'help') {
    stdout().write(`${usage}\n`);
    return given === undefined ? ExitCode.Error : ExitCode.Ok;
  }
  if (given === '--version' || given === '-V') {
    // The Node.js line matters in a bug report: start-up, the addons' builds and V8 differ by it.
    stdout().write(`netdiag 0.1.0\nNode.js ${process.version} (${process.platform}-${process.arch})\n`);
    // The offline data behind trace -z and -y: its age says how far to trust an owner shown.
    try {
      const { shippedDataSets } = await import('@netdiag/ip-info');
      for (const d of shippedDataSets())
        stdout().write(
          `data: ${d.package} ${d.version}${d.date ? ` (built ${d.date})` : ''}, ${d.licence}\n`,
        );
    } catch (err) {
      stdout().write(`data: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return ExitCode.Ok;
  }
  const name = commandNamed(given);
  commandName = name;
  if (name === undefined) throw new CliError(`unknown command '${given}'; run 'netdiag --help' for the list`);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    // The first Ctrl-C ends the run with its summary; a second one leaves at once.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Each made on first use: a run that never reads stdin or writes stderr never loads their streams.
  const io: CommandIo = {
    get stdout() {
      return stdout();
    },
    get stderr() {
      return stderr();
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    signal: controller.signal,
    ownsProcess: true,
  };
  try {
    const command = await load(name);
    const code = await command.run(args, io);
    // The first cache made is used from then on, and it holds what that run compiled: one from
    // `--help` or a usage error lacks the command's work (a trace's cache from `trace --help` is
    // 106 kB, from a trace 190 kB, and a trace runs 3.7 ms of CPU faster with the latter on Node 24).
    if (code !== ExitCode.Error && !args.some((a) => a === '-h' || a === '--help')) command.saveCache();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

let madeStdout: Output | undefined;
let madeStderr: Output | undefined;
const stdout = () => (madeStdout ??= outputFor(1, () => quietOnEpipe(process.stdout)));
const stderr = () => (madeStderr ??= outputFor(2, () => quietOnEpipe(process.stderr)));

// A reader that stopped reading (`netdiag ping host | head -3`) is not an error to report: end
// quietly, as ping does when SIGPIPE ends it. Any other write error ends the run in one line.
function quietOnEpipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    outputFailed(e);
  });
  return stream;
}

/**
 * Runs the command `argv` names (loaded by `load`) with this process's streams and signals, and
 * ends the process with its exit code once its output is written.
 */
export function runCli(argv: string[], load: (name: CommandName) => Promise<LoadedCommand>): void {
  // The last line of defence: an error thrown from a callback, outside any await, would otherwise
  // print Node's stack trace. It is still a bug, and says so in one line like any other.
  process.on('uncaughtException', (err) => reportFailure(err));
  main(argv, load).then(
    (code) => exitWhenWritten(code),
    (err: unknown) => reportFailure(err),
  );
}

function reportFailure(err: unknown): void {
  const system = isCliError(err) ? undefined : systemFailureText(err);
  if (isCliError(err) || system !== undefined) {
    // Bad input, or the system refused (no descriptor left, no memory): the user's to act on.
    const where = commandName ? `${commandName}: ` : '';
    stderr().write(`netdiag: ${system === undefined ? (err as CliError).message : `${where}${system}`}\n`);
    if (process.env.NETDIAG_DEBUG) stderr().write(`${(err as Error).stack ?? ''}\n`);
    exitWhenWritten(isCliError(err) ? err.exitCode : ExitCode.Error);
  } else {
    // A bug, not bad input: say so in one line; NETDIAG_DEBUG=1 shows the stack.
    const msg = err instanceof Error ? err.message : String(err);
    stderr().write(`netdiag: internal error: ${msg}\n`);
    if (process.env.NETDIAG_DEBUG) stderr().write(`${(err as Error)?.stack ?? ''}\n`);
    exitWhenWritten(ExitCode.Error);
  }
}

/**
 * Ends the process once everything written has left, without waiting for Node to tear down the
 * heap (2 to 3 ms of a short run, measured with strace) or for handles the work left behind. An
 * empty write completes after every write queued before it.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  // Only outputs made during the run can hold unwritten bytes.
  const pending = [madeStdout, madeStderr].filter((o) => o !== undefined);
  const next = (): void => {
    const o = pending.shift();
    if (o === undefined) process.exit(code);
    else o.write('', next);
  };
  next();
}
