import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** One command to time: argv[0] is the program; `ns` runs it inside that network namespace. */
export interface Contender {
  readonly label: string;
  readonly argv: readonly string[];
  readonly ns?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Timing {
  readonly label: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly failures: number;
}

/**
 * Runs each contender `runs` times, interleaved (a, b, c, a, b, c, ...) so that a noisy moment of
 * the machine falls on all of them alike, and returns wall-clock medians.
 */
export function timeAll(contenders: readonly Contender[], runs: number): Timing[] {
  const samples = contenders.map(() => [] as number[]);
  const failures = contenders.map(() => 0);
  for (let i = 0; i < runs; i++) {
    contenders.forEach((c, k) => {
      const argv = c.ns ? ['ip', 'netns', 'exec', c.ns, ...c.argv] : [...c.argv];
      const t0 = performance.now();
      const r = spawnSync(argv[0]!, argv.slice(1), {
        stdio: 'ignore',
        env: c.env ?? process.env,
        timeout: 120_000,
      });
      const ms = performance.now() - t0;
      if (r.status !== 0 && r.status !== 1) failures[k]!++;
      samples[k]!.push(ms);
    });
  }
  return contenders.map((c, k) => {
    const s = [...samples[k]!].sort((a, b) => a - b);
    return {
      label: c.label,
      runs,
      medianMs: median(s),
      minMs: s[0]!,
      maxMs: s[s.length - 1]!,
      failures: failures[k]!,
    };
  });
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Prints a table of timings with each row's ratio to the baseline row (by label). */
export function printRatios(title: string, timings: readonly Timing[], baseline: string): void {
  const base = timings.find((t) => t.label === baseline);
  console.log(`\n${title}`);
  console.log(
    `${'contender'.padEnd(36)} ${'median ms'.padStart(10)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${`x ${baseline}`.padStart(14)}`,
  );
  for (const t of timings) {
    const ratio = base ? (t.medianMs / base.medianMs).toFixed(2) : '-';
    const fail = t.failures ? `  (${t.failures} failed runs)` : '';
    console.log(
      `${t.label.padEnd(36)} ${t.medianMs.toFixed(1).padStart(10)} ${t.minMs.toFixed(1).padStart(8)} ${t.maxMs.toFixed(1).padStart(8)} ${ratio.padStart(14)}${fail}`,
    );
  }
}
