import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmuxAvailable, useTmuxPair } from './support/tmux-pair.js';

// The live view of `netdiag capture` in a real terminal: tmux runs it in a namespace of this
// test's own while a ping flows over a veth pair; capture-pane reads the screen, q quits, and
// tcpdump's three counts follow on the terminal. Everything made here is removed in afterAll.

const cli = fileURLToPath(new URL('../apps/netdiag/bin/netdiag.js', import.meta.url));

describe.skipIf(process.getuid?.() !== 0 || !tmuxAvailable)('netdiag capture live view in tmux', () => {
  const { a, session, tmux, screenUntil } = useTmuxPair('c', ['-q', '-i', '0.05']);

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
});
