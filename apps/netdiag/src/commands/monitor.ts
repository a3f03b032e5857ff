import { open, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import {
  Agent,
  ConfigError,
  IntervalReporter,
  type ListenAddress,
  parseConfig,
  parseListen,
  type ReloadResult,
  startServer,
} from '@netdiag/monitor';
import { parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { MonitorBoard } from '../monitor/monitor-board.js';
import { intervalJson, intervalLine } from '../monitor/monitor-format.js';
import { agentUser, checkUser, dropAfterOpen } from '../privilege.js';
import { LiveFeed } from '../views/live-feed.js';

export const help = `usage: netdiag monitor [options] [TARGET...]

A long-running agent for many targets, scraped by Prometheus: ICMP echo to every TARGET and
every host of the config, spread evenly over each interval, with smokeping_prober's metrics on
/metrics and blackbox_exporter's /probe for its icmp and dns modules.

options:
  --config FILE       YAML config: targets (as smokeping_prober), modules (as blackbox_exporter),
                      probe limits; see packages/monitor/README.md
  --check-config      check the config and exit (0 valid, 2 not, with FILE:LINE:COL)
  --listen ADDR:PORT  where to serve HTTP (default 127.0.0.1:9374; ':9374' for all addresses)
  --probe-any         let /probe reach any target, not only the config's (and probe.allow)
  --user NAME         started as root, become NAME (default nobody) once the ICMP sockets are
                      open, with no capability; the config (and any tls ca_file) must stay
                      readable by NAME, for reloads re-read it
  --json              NDJSON, one event per interval (schema netdiag.monitor/1, docs/json.md)
  -h, --help          this help

Reload with SIGHUP or POST /-/reload: targets added and removed, unchanged ones keep counting;
a broken config keeps the running one. Piped: one summary line per second.
Exit status: 0 after SIGINT/SIGTERM, 2 when it cannot start (bad config, port in use, no permission).`;

const options = {
  config: { type: 'string' },
  'check-config': { type: 'boolean' },
  listen: { type: 'string' },
  'probe-any': { type: 'boolean' },
  json: { type: 'boolean' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_LISTEN = '127.0.0.1:9374';

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals: hosts } = parseCommandArgs('monitor', args, options);
  if (v.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  const listenText = v.listen ?? DEFAULT_LISTEN;
  const listen = parseListen(listenText);
  if (!listen) throw new UsageError(`monitor: --listen takes ADDR:PORT, not '${listenText}'`);
  if (v['check-config']) return checkConfig(v.config, io);
  if (v.config === undefined && hosts.length === 0)
    throw new UsageError('monitor: no target: give TARGET... or --config FILE');

  const user = agentUser(v.user);
  await checkUser('monitor', user);
  let agent: Agent;
  try {
    agent = await Agent.start({ ...(v.config !== undefined && { configFile: v.config }), hosts });
  } catch (err) {
    throw new CliError(`monitor: ${err instanceof Error ? err.message : String(err)}`, ExitCode.Error, {
      cause: err,
    });
  }
  // Every socket that needs privilege is open (Agent.start opened them all, and reloads and
  // /probe only reuse them): drop, then check that a reload can still read what it re-reads.
  try {
    await dropAfterOpen('monitor', user, io);
    await stillReadable(agent, v.config, user);
  } catch (err) {
    agent.close();
    throw err;
  }
  const json = v.json === true;
  const say = (line: string) => io.stderr.write(`netdiag: monitor: ${line}\n`);
  const reported = (result: ReloadResult) => {
    if (json)
      io.stdout.write(
        `${JSON.stringify({ schema: 'netdiag.monitor/1', type: 'reload', time: new Date().toISOString(), ...result })}\n`,
      );
    else
      say(
        result.ok
          ? `config reloaded: ${result.added} added, ${result.removed} removed, ${result.kept} kept`
          : `reload failed, running config kept: ${result.error}`,
      );
  };
  let server: Server;
  try {
    server = await startServer(agent, listen, {
      probeAny: v['probe-any'] === true,
      lookup: lookupFirst,
      onReload: reported,
    });
  } catch (err) {
    agent.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'address in use'
        : code === 'EADDRNOTAVAIL'
          ? 'no such local address'
          : code === 'EACCES'
            ? 'permission denied'
            : String(err);
    throw new CliError(`monitor: cannot listen on ${show(listen)}: ${why}`, ExitCode.Error, { cause: err });
  }
  const onHangup = () => {
    agent.reload().then(reported, () => {});
  };
  process.on('SIGHUP', onHangup);
  if (json)
    io.stdout.write(
      `${JSON.stringify({ schema: 'netdiag.monitor/1', type: 'start', time: new Date().toISOString(), listen: show(listen), targets: agent.targets.length })}\n`,
    );
  else say(`listening on http://${show(listen)}/metrics, ${agent.targets.length} targets`);

  const reporter = new IntervalReporter(agent.monitor.engine);
  const live = wantsLiveView(io, json);
  // Probing has started before the view loads (Ink and React take a while).
  const board = new MonitorBoard();
  const feed = new LiveFeed(() => board.snapshot());
  const view = live
    ? import('../views/monitor-live.js').then((m) =>
        m.mountMonitorLive(feed, io.stdout as NodeJS.WriteStream),
      )
    : undefined;
  view?.catch(() => {});
  const timer = setInterval(() => {
    const now = new Date();
    if (live) {
      board.apply(reporter.take(Number.POSITIVE_INFINITY, true));
      feed.changed();
      return;
    }
    const summary = reporter.take();
    io.stdout.write(`${json ? intervalJson(summary, now) : intervalLine(summary, now)}\n`);
  }, 1000);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  const unmount = await view?.catch(() => undefined);
  await unmount?.();
  process.off('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  agent.close();
  return ExitCode.Ok;
}

async function checkConfig(file: string | undefined, io: CommandIo): Promise<number> {
  if (file === undefined) throw new UsageError('monitor: --check-config needs --config FILE');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `monitor: ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    const config = parseConfig(text, file);
    const hosts = config.targets.reduce((n, g) => n + g.hosts.length, 0);
    io.stdout.write(`${file}: valid: ${hosts} targets, ${config.modules.size} modules\n`);
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`monitor: ${err.message}`);
    throw err;
  }
}

/**
 * The config and its tls ca_files, read again as the user the agent now is: a reload re-reads
 * them, and one the agent can no longer read would fail only at the first SIGHUP, hours later.
 */
async function stillReadable(
  agent: Agent,
  configFile: string | undefined,
  user: string | undefined,
): Promise<void> {
  const files = [
    ...(configFile !== undefined ? [configFile] : []),
    ...agent.config.tcp.flatMap((g) => (g.tls?.caFile !== undefined ? [g.tls.caFile] : [])),
    ...agent.config.dns.flatMap((g) => (g.caFile !== undefined ? [g.caFile] : [])),
  ];
  for (const file of files) {
    try {
      await (await open(file, 'r')).close();
    } catch (err) {
      const who = user ?? 'the user netdiag runs as';
      throw new CliError(
        `monitor: cannot read ${file} as ${who} (${(err as NodeJS.ErrnoException).code ?? String(err)}), and reloads re-read it: make it readable by ${who}, or give --user NAME of one who can read it`,
        ExitCode.Error,
        { cause: err },
      );
    }
  }
}

function show(listen: ListenAddress): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

async function lookupFirst(name: string, family: 4 | 6): Promise<string> {
  const { lookup } = await import('node:dns/promises');
  return (await lookup(name, { family })).address;
}
