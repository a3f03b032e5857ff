import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The live view of `netdiag capture` in a real terminal: tmux runs it in a namespace of this
// test's own while a ping flows over a veth pair; capture-pane reads the screen, q quits, and
// tcpdump's three counts follow on the terminal. Everything made here is removed in afterAll.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const id = `nd${randomBytes(3).toString('hex')}`;
const a = `${id}-ca`;
const b = `${id}-cb`;
const session = `${id}-cap`;
const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function screenUntil(check: (s: string) => boolean, what: string): Promise<string> {
  let screen = '';
  for (let i = 0; i < 100; i++) {
    screen = tmux('capture-pane', '-p', '-t', session).stdout;
    if (check(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`tmux screen never showed ${what}:\n${screen}`);
}

describe.skipIf(process.getuid?.() !== 0 || spawnSync('tmux', ['-V']).status !== 0)(
  'netdiag capture live view in tmux',
  () => {
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
      ping = spawn('ip', ['netns', 'exec', a, 'ping', '-q', '-i', '0.05', '192.0.2.2'], { stdio: 'ignore' });
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

    it('draws the rate, the talkers, the protocols and the latest lines; q quits with the counts', async () => {
      // `env -u CI`: under CI=true Ink draws only the last frame (is-in-ci).
      const cmd = `env -u CI ip netns exec ${a} ${process.execPath} ${cli} capture -i va icmp; echo EXIT=$?; sleep 30`;
      expect(tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '30', cmd).status).toBe(0);
      const screen = await screenUntil(
        (s) =>
          /netdiag capture · va · \d{2,} packets · [1-9]\d* pkt\/s/.test(s) &&
          /[▁▂▃▄▅▆▇█]/.test(s) &&
          /192\.0\.2\.2 > 192\.0\.2\.1: ICMP echo reply/.test(s),
        'a rate, a sparkline and lines (after the first whole second)',
      );
      expect(screen).toMatch(/top talkers\s+protocols/);
      expect(screen).toMatch(/192\.0\.2\.[12]\s+\d+\s+icmp\s+\d+/);
      expect(screen).toMatch(/[▁▂▃▄▅▆▇█]/);
      tmux('send-keys', '-t', session, 'q');
      const end = await screenUntil((s) => /EXIT=\d+/.test(s), 'the exit');
      expect(end).toMatch(
        /\d+ packets captured\n\d+ packets received by filter\n0 packets dropped by kernel\nEXIT=0/,
      );
    });
  },
);
