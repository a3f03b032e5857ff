import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmuxAvailable, useTmuxPair } from './support/tmux-pair.js';

// The live view of `netdiag if` in a real terminal: tmux runs it in a namespace of this test's
// own while a ping flows over a veth pair, capture-pane reads the screen, send-keys quits.
// Everything made here (namespaces, the tmux session, the ping) is removed in afterAll.

const cli = fileURLToPath(new URL('../apps/netdiag/bin/netdiag.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.getuid?.() !== 0 || !tmuxAvailable)('netdiag if live view in tmux', () => {
  const { a, session, tmux, screenUntil } = useTmuxPair('t', ['-q', '-i', '0.05', '-s', '1000']);

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
});
