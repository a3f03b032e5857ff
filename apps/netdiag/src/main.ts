import { fileURLToPath } from 'node:url';
import { shippedDataSets } from '@netdiag/ip-info';
import { CliError, ExitCode, isCliError, systemFailureText } from './cli-error.js';
import { type LoadedBundle, loadBundle } from './compile-cache.js';
import type { Command, CommandIo, Output } from './io.js';
import { outputFailed, outputFor } from './stdio.js';

// Each command is a bundle of its own (dist/<command>.cjs, see scripts/bundle-cli.mjs): `netdiag
// ping` never loads the DNS or netstat code, and no command loads Ink unless it draws on a
// terminal. Errors cross from a command's bundle to this one, hence isCliError, not instanceof.
const commands = new Set([
  'ping',
  'trace',
  'netstat',
  'lookup',
  'if',
  'arp',
  'monitor',
  'capture',
  'privileges',
]);
/** The command being run, to name it in a system failure's line. */
let commandName: string | undefined;

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

async function main(argv: string[]): Promise<number> {
  const [given, ...args] = argv;
  const name = given === '--privileges' ? 'privileges' : given;
  commandName = name;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    stdout().write(`${usage}\n`);
    return name === undefined ? ExitCode.Error : ExitCode.Ok;
  }
  if (name === '--version' || name === '-V') {
    // The Node.js line matters in a bug report: start-up, the addons' builds and V8 differ by it.
    stdout().write(`netdiag 0.1.0\nNode.js ${process.version} (${process.platform}-${process.arch})\n`);
    // The offline data behind trace -z and -y: its age says how far to trust an owner shown.
    try {
      for (const d of shippedDataSets())
        stdout().write(
          `data: ${d.package} ${d.version}${d.date ? ` (built ${d.date})` : ''}, ${d.licence}\n`,
        );
    } catch (err) {
      stdout().write(`data: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return ExitCode.Ok;
  }
  if (!commands.has(name)) throw new CliError(`unknown command '${name}'; run 'netdiag --help' for the list`);
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
    const bundle = await loadCommand(name);
    const code = await bundle.exports.run(args, io);
    // The first cache made is used from then on, and it holds what that run compiled: one from
    // `--help` or a usage error lacks the command's work (a trace's cache from `trace --help` is
    // 106 kB, from a trace 190 kB, and a trace runs 3.7 ms of CPU faster with the latter on Node 24).
    if (code !== ExitCode.Error && !args.some((a) => a === '-h' || a === '--help')) bundle.saveCache();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The command's bundle beside this one (dist/<name>.cjs); run from source (`node --import tsx
 * apps/netdiag/src/main.ts`, as a test does), the command's module itself.
 */
async function loadCommand(name: string): Promise<LoadedBundle<{ run: Command }>> {
  if (!import.meta.url.endsWith('.ts'))
    return loadBundle(fileURLToPath(new URL(`./${name}.cjs`, import.meta.url)), process.env);
  // A specifier the bundler cannot follow, so that the bundle does not take in every command.
  const source = new URL(`./commands/${name}.ts`, import.meta.url).href;
  return { exports: (await import(source)) as { run: Command }, cache: 'off', saveCache: () => {} };
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

// The last line of defence: an error thrown from a callback, outside any await, would otherwise
// print Node's stack trace. It is still a bug, and says so in one line like any other.
process.on('uncaughtException', (err) => reportFailure(err));

main(process.argv.slice(2)).then(
  (code) => exitWhenWritten(code),
  (err: unknown) => reportFailure(err),
);

function reportFailure(err: unknown): void {
  const system = isCliError(err) ? undefined : systemFailureText(err);
  if (isCliError(err) || system !== undefined) {
    // Bad input, or the system refused (no descriptor left, no memory): the user's to act on.
    const where = commandName && commands.has(commandName) ? `${commandName}: ` : '';
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
