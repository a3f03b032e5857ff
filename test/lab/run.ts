import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** What a finished command left behind; `code` is null when a signal ended it. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Commands still running: a signal handler ends them before tearing a lab down (see lab.ts). */
const running = new Set<ChildProcess>();

/**
 * Ends every command this module started that is still running, by its PID. A lab being torn
 * down on a signal must first stop its own build, or a half-run `ip -batch` goes on adding
 * namespaces after the teardown has looked.
 */
export function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Runs argv (never through a shell) and collects its output. Rejects only if it cannot start. */
export function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('exec: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code });
    });
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Like exec, but a non-zero exit is an error naming the command and its stderr. */
export async function run(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await exec(argv, opts);
  if (r.code !== 0) {
    throw new Error(
      `${argv.join(' ')} exited ${r.code ?? 'by signal'}: ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** Synchronous variant for exit handlers, where no promise will ever settle. */
export function runSync(argv: readonly string[], input?: string): { code: number | null; stdout: string } {
  const [file, ...args] = argv;
  const r = spawnSync(file!, args, { input: input ?? '', encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stdout: r.stdout ?? '' };
}

/** Runs tasks with at most `limit` in flight (the machine has two cores shared by everyone). */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export function endChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
