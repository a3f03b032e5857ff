import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The live view of `netdiag if` in a real terminal: tmux runs it in a namespace of this test's
// own while a ping flows over a veth pair, capture-pane reads the screen, send-keys quits.
// Everything made here (namespaces, the tmux session, the ping) is removed in afterAll.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const id = `nd${randomBytes(3).toString('hex')}`;
const a = `${id}-ta`;
const b = `${id}-tb`;
const session = `${id}-if`;
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
  'netdiag if live view in tmux',
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
      ping = spawn('ip', ['netns', 'exec', a, 'ping', '-q', '-i', '0.05', '-s', '1000', '192.0.2.2'], {
        stdio: 'ignore',
      });
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

    it('draws rates and a sparkline per interface, and quits on q', async () => {
      // `env -u CI`: under CI=true Ink draws only the last frame (is-in-ci); a person's terminal is not CI.
      const cmd = `env -u CI ip netns exec ${a} ${process.execPath} ${cli} if -i 0.2 --history 20`;
      expect(tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '20', cmd).status).toBe(0);
      // Ten samples in: the va row carries a rate in kbit/s and bars above the baseline.
      const screen = await screenUntil(
        (s) => /va\s+up\s+[\d.]+ kbit\/s/.test(s) && /[▂▃▄▅▆▇█]{5}/.test(s),
        'a va rate',
      );
      expect(screen).toMatch(/netdiag if · 2 interfaces · every 0\.2 s/);
      expect(screen).toMatch(/IFACE\s+STATE\s+RX\s+TX\s+RX pkt\/s\s+TX pkt\/s\s+err\/drop\/s\s+RX\+TX/);
      // ~20 pings a second of 1028-byte IP packets each way: some 160 kbit/s in either direction.
      const row = screen.split('\n').find((l) => /^va\s/.test(l))!;
      const [, rx] = /up\s+([\d.]+) kbit\/s/.exec(row)!;
      expect(Number(rx)).toBeGreaterThan(50);
      expect(Number(rx)).toBeLessThan(400);
      expect(screen).toMatch(/^lo\s+/m);
      // An interface created while sampling gets a row; one deleted is named as gone.
      execFileSync('ip', ['-n', a, 'link', 'add', 'late0', 'type', 'veth', 'peer', 'name', 'late1']);
      await screenUntil(
        (s) => /^late0\s/m.test(s) && /^late1\s/m.test(s) && /4 interfaces/.test(s),
        'the new pair',
      );
      execFileSync('ip', ['-n', a, 'link', 'del', 'late0']);
      const gone = await screenUntil((s) => /gone: late[01], late[01]/.test(s), 'the deleted pair');
      expect(gone).not.toMatch(/^late0\s/m);
      expect(gone).toMatch(/2 interfaces/);
      tmux('send-keys', '-t', session, 'q');
      for (let i = 0; i < 50 && tmux('has-session', '-t', session).status === 0; i++) await sleep(100);
      expect(tmux('has-session', '-t', session).status).not.toBe(0);
    });
  },
);
