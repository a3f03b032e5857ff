import { describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { tmux, tmuxAvailable, useTmuxScreens } from './support/tmux-screen.js';

// The live views of `netdiag ping` and `netdiag trace` in a real terminal (test/support/tmux-screen.ts).

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SPARK = /[▁▂▃▄▅▆▇█]/;

describe.skipIf(process.getuid?.() !== 0 || !tmuxAvailable)(
  'netdiag ping and trace live views in tmux',
  () => {
    const lab = useLab();
    const { start, screenUntil } = useTmuxScreens();

    it('ping -c 5 draws its live table: the host, 5 sent, 5 received, 0.0% loss and a sparkline', async () => {
      const t3 = lab.addr('t3', 4);
      const session = start('ping', lab.ns('client'), ['ping', '-c', '5', '-i', '0.2', t3]);
      const rowRe = new RegExp(
        `^${re(t3)}\\s+5\\s+5\\s+0\\.0%\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+\\S+$`,
        'm',
      );
      const screen = await screenUntil(
        session,
        (s) => rowRe.test(s) && s.includes('EXITED:'),
        'the final ping row',
      );
      expect(screen).toMatch(/^HOST\s+SENT\s+RECV\s+LOSS\s+LAST\s+MIN\s+AVG\s+MAX\s+MDEV\s+HISTORY$/m);
      const row = screen.split('\n').find((l) => rowRe.test(l))!;
      // Five replies: the sparkline has five bars, no loss mark.
      expect(row.trimEnd()).toMatch(/ [▁▂▃▄▅▆▇█]{5}$/);
      // iputils' lines above the table, and its statistics after it.
      expect(screen).toMatch(
        new RegExp(`^64 bytes from ${re(t3)}: icmp_seq=5 ttl=\\d+ time=[\\d.]+ ms$`, 'm'),
      );
      expect(screen).toContain('5 packets transmitted, 5 received, 0% packet loss');
      expect(screen).toContain('EXITED:0');
    });

    it('trace -n -c 3 lists every hop of the chain with 0.0% loss, 3 probes sent and a sparkline', async () => {
      const far = lab.addr('far', 4);
      const hops = [...lab.topology.chains.main!.hops[4], far];
      const session = start('trace', lab.ns('client'), ['trace', '-n', '-c', '3', '-i', '0.2', far]);
      const rowOf = (ttl: number, address: string) =>
        new RegExp(`^ *${ttl}\\. ${re(address)}\\s+0\\.0%\\s+3\\s.*${SPARK.source}`, 'm');
      const screen = await screenUntil(
        session,
        (s) => s.includes('EXITED:') && hops.every((a, i) => rowOf(i + 1, a).test(s)),
        'every hop answered 3 times',
      );
      expect(screen).toContain(`netdiag trace to ${far}`);
      expect(screen).toMatch(/^Host\s+Loss%\s+Snt\s+Last\s+Avg\s+Best\s+Wrst\s+StDev\s+Javg\s+History$/m);
      for (const [i, address] of hops.entries())
        expect(screen, `hop ${i + 1}`).toMatch(rowOf(i + 1, address));
      // The table ends at the destination: no row after it.
      expect(screen).not.toMatch(new RegExp(`^ *${hops.length + 1}\\. `, 'm'));
      expect(screen).toContain('EXITED:0');
    });

    it('a continuous trace runs until q, then exits', async () => {
      const far = lab.addr('far', 4);
      const session = start('trace-q', lab.ns('client'), ['trace', '-n', '-i', '0.2', far]);
      const farRow = new RegExp(`^ *\\d+\\. ${re(far)}\\s+0\\.0%\\s+\\d+\\s`, 'm');
      const before = await screenUntil(
        session,
        (s) => farRow.test(s) && s.includes('keys: q quit'),
        'the destination row',
      );
      expect(before).not.toContain('EXITED:');
      tmux('send-keys', '-t', session, 'q');
      const after = await screenUntil(session, (s) => s.includes('EXITED:'), 'the trace exiting on q', 50);
      expect(after).toContain('EXITED:0');
      expect(after).toMatch(farRow);
    });
  },
);
