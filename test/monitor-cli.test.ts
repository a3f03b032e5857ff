import { describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { ndjson } from './support/cli.js';
import { sleep, startAgent } from './support/monitor.js';

const root = process.getuid?.() === 0;

describe.skipIf(!root)('netdiag monitor output (needs root)', () => {
  const lab = useLab();

  /** Runs the agent until `lines` lines of output came (start-up takes longer on a busy machine). */
  const run = async (args: string[], lines: number) => {
    const agent = startAgent(lab, 'client', args);
    try {
      const deadline = Date.now() + 20_000;
      while (agent.output().split('\n').length <= lines && Date.now() < deadline) await sleep(100);
    } finally {
      await agent.stop();
    }
    return { output: agent.output(), code: agent.child.exitCode };
  };

  it('--json: a start event, then one interval event a second with the documented fields', async () => {
    const lossy = lab.addr('lossy', 4);
    const { output, code } = await run(
      ['--json', '--listen', '127.0.0.1:19374', lab.addr('t3', 4), lab.addr('t3', 6), lossy],
      3700,
    );
    expect(code).toBe(0);
    const events = ndjson(output);
    expect(events[0]).toMatchObject({
      schema: 'netdiag.monitor/1',
      type: 'start',
      listen: '127.0.0.1:19374',
      targets: 3,
    });
    const intervals = events.filter((e) => e.type === 'interval');
    expect(intervals.length).toBeGreaterThanOrEqual(3);
    for (const e of intervals) {
      expect(e.schema).toBe('netdiag.monitor/1');
      expect(Object.keys(e).sort()).toEqual(
        [
          'schema',
          'type',
          'time',
          'targets',
          'sent',
          'replies',
          'lost',
          'late',
          'duplicates',
          'errors',
          'rttMeanMs',
          'schedulingDelayMeanMs',
          'worst',
        ].sort(),
      );
      expect(e.targets).toBe(3);
    }
    const last = intervals.at(-1) as { sent: number; worst: Record<string, unknown>[] };
    expect(last.sent).toBe(3);
    expect(last.worst).toHaveLength(3);
    expect(Object.keys(last.worst[0]!).sort()).toEqual(
      ['host', 'ip', 'sent', 'replies', 'lost', 'late', 'duplicates', 'loss', 'rttMeanMs'].sort(),
    );
    // Worst first: a target that lost its request this second leads the list.
    const losing = intervals.flatMap((e) => (e as typeof last).worst.filter((w) => (w.lost as number) > 0));
    for (const w of losing) expect(w.ip).toBe(lossy);
  });

  it('piped: one summary line a second, after one line on stderr', async () => {
    const { output, code } = await run(['--listen', '127.0.0.1:19374', lab.addr('t3', 4)], 3);
    expect(code).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines[0]).toBe('netdiag: monitor: listening on http://127.0.0.1:19374/metrics, 1 targets');
    const summaries = lines.slice(1);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    for (const l of summaries)
      expect(l).toMatch(
        /^\d\d:\d\d:\d\d targets 1 sent \d+ replies \d+ lost 0 \((?:0\.0%|-)\) late 0 dup 0 errors 0 rtt (?:[\d.]+|-) ms sched [\d.]+ ms$/,
      );
  });
});
