import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { percentile, RTT_QUANTILE_ACCURACY } from '@netdiag/icmp';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { repoRoot } from './support/cli.js';

// One pinger, a million requests at the library's fastest interval (1 ms per target, 4 targets
// so the run takes four minutes, not a quarter of an hour), against a run of 10,000: its statistics
// must not grow with the run. The pinger runs in a child process of its own, with plain node on
// the built packages, so its peak RSS is its own; the child records every RTT to a file, and the
// exact percentiles of that record are compared with what the pinger's sketch reported.

const MiB = 1024; // maxRSS is in KiB
const TARGETS = 4;

/** The child, compiled to plain JavaScript beside node_modules so `@netdiag/icmp` resolves to dist. */
function compileChild(): string {
  const source = fileURLToPath(new URL('./ping-memory.child.ts', import.meta.url));
  const dir = `${repoRoot}node_modules/.cache/netdiag-test`;
  mkdirSync(dir, { recursive: true });
  const out = `${dir}/ping-memory.child.mjs`;
  buildSync({ entryPoints: [source], format: 'esm', platform: 'node', outfile: out, logLevel: 'error' });
  return out;
}

interface ChildReport {
  sent: number;
  reply: number;
  timeout: number;
  maxRssKiB: number;
  summaries: { transmitted: number; received: number; rtt: { p50: number; p95: number } | null }[];
}

describe.skipIf(process.getuid?.() !== 0)('ping: statistics in bounded memory (needs root)', () => {
  const lab = useLab();

  it('1,000,000 requests end within 10 MB of the peak RSS of 10,000, and p50/p95 stay within the sketch error', () => {
    const child = compileChild();
    const targets = [...Array(TARGETS)].map((_, i) => `198.18.0.${i + 1}`);
    const record = `${repoRoot}node_modules/.cache/netdiag-test/ping-memory-rtts.f64`;
    const run = (total: number, recordTo = '-') => {
      const r = spawnSync(
        'ip',
        ['netns', 'exec', lab.ns('client'), process.execPath, child, String(total), recordTo, ...targets],
        { encoding: 'utf8', timeout: 900_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as ChildReport;
    };
    try {
      const small = run(10_000);
      const large = run(1_000_000, record);
      console.log(
        `peak RSS: 10,000 requests ${(small.maxRssKiB / MiB).toFixed(1)} MiB, 1,000,000 requests ${(large.maxRssKiB / MiB).toFixed(1)} MiB (${large.reply} replies, ${large.timeout} timeouts)`,
      );
      expect(small.sent).toBe(10_000);
      expect(large.sent).toBe(1_000_000);
      // Loss on loopback of a busy lab is possible, but most must be answered for the check to mean much.
      expect(large.reply).toBeGreaterThan(0.95 * large.sent);
      expect(large.maxRssKiB - small.maxRssKiB).toBeLessThan(10 * MiB);

      // The recorded run: exact nearest-rank percentiles per target against the sketch's.
      const bytes = readFileSync(record);
      const pairs = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
      const rtts: number[][] = targets.map(() => []);
      for (let i = 0; i < pairs.length; i += 2) rtts[pairs[i]!]!.push(pairs[i + 1]!);
      for (const [index, samples] of rtts.entries()) {
        const s = large.summaries[index]!;
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
  }, 900_000);
});
