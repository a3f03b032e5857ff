import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type NamespacePlan, planLab } from './plan.js';
import { type ExecOptions, type ExecResult, endChild, exec, killRunning, pool, run } from './run.js';
import type { LabSpec } from './spec.js';
import { claimId, type LabState, processStart, sweep, teardown, writeState } from './state.js';
import type { Family, LabTopology } from './topology.js';

export interface Lab {
  /** Unique per run, e.g. 'nd3f9a'; every namespace name starts with it. */
  readonly id: string;
  /** Namespace name of a host. */
  ns(host: string): string;
  /** The host's main address (of its first interface; for a target, the one probed). */
  addr(host: string, family: Family): string;
  /** Runs argv inside the host's namespace (`ip netns exec`, no shell). */
  exec(host: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts argv inside the host's namespace, stdio piped (read them, or the child may block); ended by destroy(). */
  spawn(host: string, argv: string[], opts?: { env?: NodeJS.ProcessEnv }): ChildProcess;
  /**
   * Removes every namespace, veth, nft table and process the lab made; idempotent. On a handle from
   * attachLab it ends only the processes that handle spawned: the lab belongs to its builder.
   */
  destroy(): Promise<void>;
  readonly topology: LabTopology;
}

export interface CreateLabOptions {
  /** Keep the lab after this process exits (`npm run lab -- up`); only `down` removes it. */
  readonly persistent?: boolean;
}

const RESPONDER = fileURLToPath(new URL('./echo-responder.py', import.meta.url));
/** Independent ip/nft/sysctl processes in flight at once: enough to hide their latency on 2 cores. */
const CONCURRENCY = 6;

class LabHandle implements Lab {
  readonly id: string;
  private readonly children = new Set<ChildProcess>();
  private destroying: Promise<void> | undefined;

  constructor(
    readonly topology: LabTopology,
    /** The record to tear down, or null for a handle on a lab owned elsewhere. */
    private readonly state: LabState | null,
  ) {
    this.id = topology.id;
  }

  ns(host: string): string {
    const h = this.topology.hosts[host];
    if (!h)
      throw new Error(
        `lab ${this.id} has no host '${host}' (hosts: ${Object.keys(this.topology.hosts).join(', ')})`,
      );
    return h.ns;
  }

  addr(host: string, family: Family): string {
    this.ns(host);
    const h = this.topology.hosts[host]!;
    return family === 4 ? h.v4 : h.v6;
  }

  exec(host: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return exec(['ip', 'netns', 'exec', this.ns(host), ...argv], opts);
  }

  spawn(host: string, argv: string[], opts: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
    if (this.destroying) throw new Error(`lab ${this.id} is destroyed`);
    const child = spawn('ip', ['netns', 'exec', this.ns(host), ...argv], {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return child;
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      await Promise.all([...this.children].map((c) => endChild(c)));
      if (this.state) {
        teardown(this.state);
        live.delete(this);
      }
    })();
    return this.destroying;
  }

  /** For exit and signal handlers: no awaiting possible there. */
  destroySync(): void {
    for (const c of this.children) c.kill('SIGKILL');
    if (this.state) teardown(this.state);
    live.delete(this);
  }

  /** Detach from this process's exit handlers (a persistent lab outlives its builder). */
  release(): void {
    live.delete(this);
  }
}

// Labs this process must remove if it exits or is interrupted. Process-wide by nature: exit and
// signal handlers are process-wide too.
const live = new Set<LabHandle>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    killRunning();
    for (const lab of [...live]) lab.destroySync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killRunning();
      for (const lab of [...live]) lab.destroySync();
      // Alone on this signal we replaced its default action: restore it and die by the signal as
      // the process would have. With other listeners (vitest's own), theirs decide.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

function newId(): string {
  return `nd${randomBytes(2).toString('hex')}`;
}

/**
 * Starts a host's echo responder and waits for its 'ready'. A persistent lab's responder must
 * outlive this process: it runs detached and does not watch its parent; `down` ends it.
 */
async function startResponder(
  lab: LabHandle,
  host: string,
  echo: NonNullable<NamespacePlan['echo']>,
  persistent: boolean,
): Promise<void> {
  const argv = [
    'python3',
    RESPONDER,
    '--delay-ms',
    String(echo.delayMs),
    '--jitter-ms',
    String(echo.jitterMs),
  ];
  const child = persistent
    ? spawn('ip', ['netns', 'exec', lab.ns(host), ...argv, '--outlive-parent'], {
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
    : lab.spawn(host, argv);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`echo responder on '${host}' not ready after 10 s: ${stderr}`)),
      10_000,
    );
    let out = '';
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`echo responder on '${host}' exited ${code}: ${stderr.trim()}`));
    };
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve();
      }
    });
    child.once('exit', onExit);
  });
  if (persistent) {
    child.stdout?.destroy();
    child.unref();
  }
}

/**
 * Builds a lab: namespaces, then their sysctls (before any interface arrives, so defaults such as
 * accept_dad=0 apply to it), veth pairs created straight into their namespaces, then per
 * namespace one `ip -batch`, one `nft -f` and the echo responder, namespaces in parallel. On any failure everything made so far is removed before the error is thrown.
 */
export async function createLab(spec: LabSpec, options: CreateLabOptions = {}): Promise<Lab> {
  planLab('nd0000', spec); // validate the spec before anything exists
  sweep();
  installHandlers();
  const state = claimId(
    {
      pid: process.pid,
      pidStart: processStart(process.pid) ?? '',
      persistent: options.persistent === true,
      createdAt: new Date().toISOString(),
      namespaces: [],
      topology: null,
    },
    newId,
  );
  const plan = planLab(state.id, spec);
  const recorded: LabState = { ...state, namespaces: plan.topology.namespaces };
  const lab = new LabHandle(plan.topology, recorded);
  live.add(lab);
  try {
    writeState(recorded);
    await run(['ip', '-batch', '-'], {
      input: plan.topology.namespaces.map((ns) => `netns add ${ns}\n`).join(''),
    });
    await pool(plan.namespaces, CONCURRENCY, async (n) => {
      if (n.sysctl.length > 0) await run(['ip', 'netns', 'exec', n.ns, 'sysctl', '-q', '-w', ...n.sysctl]);
    });
    if (plan.root.length > 0) await run(['ip', '-batch', '-'], { input: `${plan.root.join('\n')}\n` });
    // Responders start as soon as their namespace is configured, overlapping the others' setup.
    const responders: Promise<void>[] = [];
    await pool(plan.namespaces, CONCURRENCY, async (n) => {
      await run(['ip', '-n', n.ns, '-batch', '-'], { input: `${n.ip.join('\n')}\n` });
      if (n.nft) await run(['ip', 'netns', 'exec', n.ns, 'nft', '-f', '-'], { input: n.nft });
      const host = Object.values(plan.topology.hosts).find((h) => h.ns === n.ns);
      if (host && n.echo)
        responders.push(startResponder(lab, host.name, n.echo, options.persistent === true));
    });
    await Promise.all(responders);
    writeState({ ...recorded, topology: plan.topology });
  } catch (e) {
    lab.destroySync();
    throw new Error(`building lab ${state.id} failed (all of it was removed): ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (options.persistent) lab.release();
  return lab;
}

/** A handle on a lab built elsewhere (the global setup, `npm run lab -- up`). */
export function attachLab(topology: LabTopology): Lab {
  return new LabHandle(topology, null);
}

/**
 * The handle a persistent lab's owner would have, for `npm run lab -- down`: destroying it removes
 * the lab.
 */
export function adoptLab(state: LabState): Lab {
  if (!state.topology) throw new Error(`lab ${state.id} was never finished`);
  return new LabHandle(state.topology, state);
}
