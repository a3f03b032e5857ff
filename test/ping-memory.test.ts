import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { percentile, RTT_QUANTILE_ACCURACY } from '@netdiag/icmp';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { repoRoot } from './support/cli.js';

// One pinger, some 750,000 requests at the library's fastest interval (1 ms per target, 64
// targets so that the run takes half a minute): its memory must not grow with the run. The
// pinger runs in a child process of its own, with plain node on the built packages, so that what
// it holds is its own; it samples its memory after a full collection at three points of the run.
// What is sized by the request rate is not a growth with the run, and must be told from one: the
// pinger's tables hold each request from its send until its timeout (2 s) and late window (10 s)
// have passed, so they grow for those 12 s (a comparison with a short run, as this test once made,
// measured that ramp), and they double again if the rate later rises (the lab's CPU is shared).
// So the first sample comes SETTLE_MS into the run, then AFTER more requests go out, and:
// - the JavaScript heap (statistics kept in objects or arrays; the tables are typed arrays and
//   not in it) must not grow by 1 MiB; keeping 8 bytes per request would add 3 MiB;
// - typed arrays and buffers must not grow by 1 MiB in both halves of the stretch (a doubling of
//   the tables is one step, in one half; what grows with the run grows in each);
// - the peak RSS (native memory too) must not grow by 10 MB.
// The young generation is fixed at its full size: V8 otherwise grows it, in steps of 16 MB, with
// the allocation rate of the run's first seconds, whatever the run's length. Array buffers are
// freed within the collection, not by a background sweep that could still count them in a sample.
// The child records every RTT to a file, and the exact percentiles of that record are compared
// with what the pinger's sketch reported.

const MiB = 1024 * 1024;
const TARGETS = 64;
const SETTLE_MS = 16_000;
const AFTER = 400_000;

/** The child, compiled to plain JavaScript beside node_modules so `@netdiag/icmp` resolves to dist. */
function compileChild(): string {
  const source = fileURLToPath(new URL('./ping-memory.child.ts', import.meta.url));
  const dir = `${repoRoot}node_modules/.cache/netdiag-test`;
  mkdirSync(dir, { recursive: true });
  const out = `${dir}/ping-memory.child.mjs`;
  buildSync({ entryPoints: [source], format: 'esm', platform: 'node', outfile: out, logLevel: 'error' });
  return out;
}

interface Sample {
  sent: number;
  ms: number;
  heapUsed: number;
  external: number;
  maxRssKiB: number;
}

interface ChildReport {
  sent: number;
  reply: number;
  timeout: number;
  samples: Sample[];
  summaries: { transmitted: number; received: number; rtt: { p50: number; p95: number } | null }[];
}

describe.skipIf(process.getuid?.() !== 0)('ping: statistics in bounded memory (needs root)', () => {
  const lab = useLab();

  it(`${AFTER.toLocaleString('en')} requests after the tables are full-size grow neither heap, typed arrays nor peak RSS; p50/p95 stay within the sketch error`, () => {
    const child = compileChild();
    const targets = [...Array(TARGETS)].map((_, i) => `198.18.0.${i + 1}`);
    const record = `${repoRoot}node_modules/.cache/netdiag-test/ping-memory-rtts.f64`;
    try {
      const r = spawnSync(
        'ip',
        [
          ...['netns', 'exec', lab.ns('client'), process.execPath],
          ...['--expose-gc', '--no-concurrent-array-buffer-sweeping'],
          ...['--min-semi-space-size=16', '--max-semi-space-size=16'],
          ...[child, String(SETTLE_MS), String(AFTER), record, ...targets],
        ],
        { encoding: 'utf8', timeout: 300_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const run = JSON.parse(r.stdout) as ChildReport;
      const [settled, middle, last] = run.samples;
      const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;
      console.log(
        `${run.sent} requests (${run.reply} replies, ${run.timeout} timeouts); ${run.samples
          .map(
            (s) =>
              `at request ${s.sent} (${s.ms} ms) heap ${mib(s.heapUsed)}, external ${mib(s.external)}, ` +
              `peak RSS ${mib(s.maxRssKiB * 1024)}`,
          )
          .join('; ')}`,
      );
      expect(run.samples).toHaveLength(3);
      expect(last!.sent - settled!.sent).toBe(AFTER);
      // Loss on loopback of a busy lab is possible, but most must be answered for the check to mean much.
      expect(run.reply).toBeGreaterThan(0.95 * run.sent);
      expect(last!.heapUsed - settled!.heapUsed, 'heap growth').toBeLessThan(1 * MiB);
      const externalGrowth = [middle!.external - settled!.external, last!.external - middle!.external];
      expect(Math.min(...externalGrowth), `external growth by halves ${externalGrowth}`).toBeLessThan(
        1 * MiB,
      );
      expect((last!.maxRssKiB - settled!.maxRssKiB) * 1024, 'peak RSS growth').toBeLessThan(10 * MiB);

      // The recorded run: exact nearest-rank percentiles per target against the sketch's.
      const bytes = readFileSync(record);
      const pairs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
      const rtts: number[][] = targets.map(() => []);
      for (let i = 0; i < pairs.length; i += 2) rtts[pairs[i]!]!.push(pairs[i + 1]!);
      for (const [index, samples] of rtts.entries()) {
        const s = run.summaries[index]!;
        expect(samples.length).toBe(s.received);
        const sorted = Float64Array.from(samples).sort();
        for (const [q, got] of [
          [0.5, s.rtt!.p50],
          [0.95, s.rtt!.p95],
        ] as const) {
          const exact = percentile(sorted, q);
          expect(
            Math.abs(got - exact),
            `target ${index} q=${q}: ${got} against ${exact}`,
          ).toBeLessThanOrEqual(RTT_QUANTILE_ACCURACY * exact * (1 + 1e-9));
        }
      }
    } finally {
      rmSync(record, { force: true });
    }
  }, 360_000);
});
