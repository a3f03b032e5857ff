import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { cliPath, repoRoot } from './cli.js';

// A live view of the built CLI in a real terminal: tmux runs it in a namespace, capture-pane reads
// the screen, send-keys presses keys. Each command is followed by `echo EXITED:$?` so a test sees
// when and how it ended, then a sleep that keeps the pane (and its last frame) readable. Only the
// sessions made here are killed, by name, in afterAll.

export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;
export const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });

export interface TmuxScreens {
  /** Runs `netdiag ARGS` in namespace `ns` in a 160×40 session of its own; returns the session. */
  start(name: string, ns: string, args: readonly string[]): string;
  /** The screen, once `check` holds (`tries` × 100 ms at most). */
  screenUntil(session: string, check: (s: string) => boolean, what: string, tries?: number): Promise<string>;
}

/** The screen of `session`, once `check` holds (`tries` × 100 ms at most). */
export async function screenUntil(
  session: string,
  check: (s: string) => boolean,
  what: string,
  tries = 150,
): Promise<string> {
  let screen = '';
  for (let i = 0; i < tries; i++) {
    screen = tmux('capture-pane', '-p', '-t', session).stdout;
    if (check(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tmux screen of ${session} never showed ${what}:\n${screen}`);
}

/** Call inside a describe: checks the bundle is built before its tests, kills its sessions after them. */
export function useTmuxScreens(): TmuxScreens {
  const id = `nd${randomBytes(3).toString('hex')}`;
  const sessions: string[] = [];
  const bundle = `${repoRoot}apps/netdiag/dist/cli.cjs`;
  beforeAll(() => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run \`npm run build\` first (this test runs the built CLI)`);
  });
  afterAll(() => {
    for (const s of sessions) if (tmux('has-session', '-t', s).status === 0) tmux('kill-session', '-t', s);
  });
  return {
    start(name, ns, args) {
      const session = `${id}-${name}`;
      // `env -u CI`: under CI=true Ink draws only the last frame (is-in-ci); a person's terminal is not CI.
      const cmd = `env -u CI ip netns exec ${ns} ${process.execPath} ${cliPath} ${args.join(' ')}; echo EXITED:$?; sleep 30`;
      const r = tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', cmd);
      if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
      sessions.push(session);
      return session;
    },
    screenUntil,
  };
}
