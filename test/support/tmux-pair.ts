import { type ChildProcess, execFileSync, type SpawnSyncReturns, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { screenUntil, tmux } from './tmux-screen.js';

// A live view in a real terminal: two namespaces of the test's own joined by a veth pair (va in
// the first, 192.0.2.1; vb in the second, 192.0.2.2), a ping flowing from the first to the
// second, and a tmux session whose screen capture-pane reads. Everything made is removed in
// afterAll: the session, the ping (by its PID) and the namespaces.

export { tmuxAvailable } from './tmux-screen.js';

export interface TmuxPair {
  /** The namespace the view runs in (va, 192.0.2.1). */
  readonly a: string;
  readonly session: string;
  tmux(...args: string[]): SpawnSyncReturns<string>;
  /** The screen, once `check` holds (10 s at most). */
  screenUntil(check: (s: string) => boolean, what: string): Promise<string>;
}

/** Call inside a describe: builds the pair before its tests and removes it after them. */
export function useTmuxPair(tag: string, pingArgs: readonly string[]): TmuxPair {
  const id = `nd${randomBytes(3).toString('hex')}`;
  const a = `${id}-${tag}a`;
  const b = `${id}-${tag}b`;
  const session = `${id}-${tag}`;
  const made: string[] = [];
  let ping: ChildProcess | undefined;

  beforeAll(() => {
    for (const ns of [a, b]) {
      execFileSync('ip', ['netns', 'add', ns]);
      made.push(ns);
    }
    execFileSync('ip', ['-n', a, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b]);
    execFileSync('ip', ['-n', a, 'addr', 'add', '192.0.2.1/24', 'dev', 'va']);
    execFileSync('ip', ['-n', b, 'addr', 'add', '192.0.2.2/24', 'dev', 'vb']);
    execFileSync('ip', ['-n', a, 'link', 'set', 'va', 'up']);
    execFileSync('ip', ['-n', b, 'link', 'set', 'vb', 'up']);
    ping = spawn('ip', ['netns', 'exec', a, 'ping', ...pingArgs, '192.0.2.2'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    if (tmux('has-session', '-t', session).status === 0) tmux('kill-session', '-t', session);
    if (ping?.pid !== undefined && ping.exitCode === null) {
      const exited = new Promise((r) => ping!.once('exit', r));
      ping.kill('SIGINT');
      await exited;
    }
    for (const ns of made) execFileSync('ip', ['netns', 'del', ns]);
  });

  return { a, session, tmux, screenUntil: (check, what) => screenUntil(session, check, what, 100) };
}
