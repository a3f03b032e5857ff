import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../lab/index.js';
import { netdiagArgv } from './cli.js';

/**
 * Long-running processes of the monitor tests (the agent, prometheus, blackbox_exporter) in a
 * lab namespace: started with lab.spawn, output collected, ended by their PID (TERM, then KILL).
 */
export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export function startDaemon(lab: Lab, host: string, argv: string[]): Daemon {
  const child = lab.spawn(host, argv);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  return {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The agent (the built CLI) in a namespace. */
export function startAgent(lab: Lab, host: string, args: string[]): Daemon {
  return startDaemon(lab, host, netdiagArgv('monitor', ...args));
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** An HTTP request made with curl inside the namespace (agent and peers listen on its loopback). */
export async function httpIn(
  lab: Lab,
  host: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const argv = ['curl', '-sS', '-g', '--max-time', '30', '-w', '\n%{http_code}'];
  if (opts.method) argv.push('-X', opts.method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) argv.push('-H', `${k}: ${v}`);
  argv.push(url);
  const r = await lab.exec(host, argv, { timeoutMs: 40_000 });
  const nl = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl) };
}

/** Polls until `url` answers 200 (or the daemon exits, or 20 s pass). */
export async function waitReady(lab: Lab, host: string, url: string, daemon: Daemon): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (daemon.child.exitCode !== null)
      throw new Error(`exited (${daemon.child.exitCode}):\n${daemon.output()}`);
    const r = await httpIn(lab, host, url).catch(() => ({ status: 0, body: '' }));
    if (r.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready at ${url}:\n${daemon.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Samples of one metric from an exposition: labels as a record, and the value. */
export function samples(body: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
