import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { cliPath, repoRoot } from './support/cli.js';

// `netdiag ping` itself, as ping-memory.test.ts checks the library's pinger: 64 targets at 1 ms,
// every reply line written to a pipe this test drains, for 14 s (some 300,000 replies) after the
// pinger's tables are full-size (they hold each request for its timeout and 10 s late
// window, so they grow with the rate for the run's first 12 s). test/support/memory-sampler.mjs,
// preloaded, collects garbage and samples the process at three times of the run; between the first
// and the last, what the CLI keeps per reply (lines, events, rows of its board, a history) would
// grow the heap: keeping 8 bytes per reply adds 1 MiB or more (the test asks for the replies that
// takes; and the last sample comes 1.9 times as far into the run as the first, so an array kept
// per reply, grown by half its length at a time, grows between them). Typed arrays and buffers, which
// hold the tables, must not grow by 1 MiB in both halves (the tables double once if the rate
// rises: one step, in one half); peak RSS by no more than 10 MB. The young generation is fixed at
// its full size and array buffers are freed within the collection, as in ping-memory.test.ts.

const MiB = 1024 * 1024;
const TARGETS = 64;
const SAMPLE_AT = [16_000, 23_000, 30_000];

interface Sample {
  ms: number;
  heapUsed: number;
  external: number;
  maxRssKiB: number;
}

describe.skipIf(process.getuid?.() !== 0)('netdiag ping in bounded memory (needs root)', () => {
  const lab = useLab();

  it('over 14 s of replies at 64 targets, each printed, grows neither heap, typed arrays nor peak RSS', async () => {
    const targets = [...Array(TARGETS)].map((_, i) => `198.18.0.${i + 1}`);
    const child = spawn(
      'ip',
      [
        ...['netns', 'exec', lab.ns('client'), process.execPath],
        ...['--expose-gc', '--no-concurrent-array-buffer-sweeping'],
        ...['--min-semi-space-size=16', '--max-semi-space-size=16'],
        ...['--import', `${repoRoot}test/support/memory-sampler.mjs`],
        // The deadline ends the run 2 s after the last sample.
        ...[
          cliPath,
          'ping',
          '-n',
          '-i',
          '0.001',
          '-w',
          String((SAMPLE_AT.at(-1)! + 2000) / 1000),
          ...targets,
        ],
      ],
      {
        env: { ...process.env, NETDIAG_TEST_SAMPLE_AT: SAMPLE_AT.join(',') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let replies = 0;
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const text = tail + chunk;
      const end = text.lastIndexOf('\n') + 1;
      replies += text.slice(0, end).split('bytes from').length - 1;
      tail = text.slice(end).slice(-4096);
    });
    let stderr = '';
    // Reply lines read when each sample arrived (the pipe lags the child by what it buffers).
    const repliesAtSample: number[] = [];
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const _ of chunk.matchAll(/^netdiag-test-memory /gm)) repliesAtSample.push(replies);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const samples = [...stderr.matchAll(/^netdiag-test-memory (.*)$/gm)].map(
      (m) => JSON.parse(m[1]!) as Sample,
    );
    expect(samples, stderr).toHaveLength(3);
    const [settled, middle, last] = samples as [Sample, Sample, Sample];
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;
    console.log(
      `${replies} reply lines, ${repliesAtSample.join(', ')} at the samples; ${samples
        .map(
          (s) =>
            `at ${s.ms} ms heap ${mib(s.heapUsed)}, external ${mib(s.external)}, peak RSS ${mib(s.maxRssKiB * 1024)}`,
        )
        .join('; ')}`,
    );
    // Enough replies between the first and the last sample for 8 bytes kept of each to pass 1 MiB.
    expect(repliesAtSample[2]! - repliesAtSample[0]!).toBeGreaterThan(MiB / 8);
    expect(last.heapUsed - settled.heapUsed, 'heap growth').toBeLessThan(1 * MiB);
    const externalGrowth = [middle.external - settled.external, last.external - middle.external];
    expect(Math.min(...externalGrowth), `external growth by halves ${externalGrowth}`).toBeLessThan(1 * MiB);
    expect((last.maxRssKiB - settled.maxRssKiB) * 1024, 'peak RSS growth').toBeLessThan(10 * MiB);
  }, 120_000);
});
