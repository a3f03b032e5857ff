import { spawnSync } from 'node:child_process';
import { nodeLines } from '../../scripts/node-lines.mjs';

/**
 * The Node lines netdiag runs on here, running Node first (the system's 20, then Node 24 from
 * .cache/node where setup installed it): every benchmark puts netdiag on each side by side.
 */
export const lines: readonly { readonly major: number; readonly node: string }[] = nodeLines();

/**
 * One contender per Node line for a command Node runs: `args` follow the node binary, and each
 * label ends with the line (`netdiag arp (20)`, `netdiag arp (24)`).
 */
export function onEveryLine(
  label: string,
  args: readonly string[],
  more: Partial<Contender> = {},
): Contender[] {
  return lines.map(({ major, node }) => ({ ...more, label: `${label} (${major})`, argv: [node, ...args] }));
}

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
  /** Median CPU time (user + system) of the command and its children; NaN where not measured. */
  readonly cpuMs: number;
  readonly failures: number;
}

// Times one command from inside its namespace: wall clock around fork/exec/wait (so neither
// `ip netns exec` nor this wrapper's own start-up counts) and the CPU time the kernel charged it
// (wait4's rusage, in microseconds). CPU time is what other work on the machine disturbs least:
// with several sessions sharing two cores, wall-clock medians swing by tens of milliseconds.
const TIMER = `
import os, sys, time, json
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open('/dev/null', os.O_RDWR)
    for n in (0, 1, 2): os.dup2(fd, n)
    try: os.execvp(sys.argv[1], sys.argv[1:])
    finally: os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = (time.perf_counter() - t0) * 1000
print(json.dumps({"wall": wall, "cpu": (ru.ru_utime + ru.ru_stime) * 1000, "code": os.waitstatus_to_exitcode(status)}))
`;

/**
 * Runs each contender `runs` times, interleaved (a, b, c, a, b, c, ...) so that a noisy moment of
 * the machine falls on all of them alike, and returns wall-clock and CPU-time medians.
 */
export function timeAll(contenders: readonly Contender[], runs: number): Timing[] {
  const samples = contenders.map(() => [] as number[]);
  const cpu = contenders.map(() => [] as number[]);
  const failures = contenders.map(() => 0);
  for (let i = 0; i < runs; i++) {
    contenders.forEach((c, k) => {
      const timed = ['python3', '-c', TIMER, ...c.argv];
      const argv = c.ns ? ['ip', 'netns', 'exec', c.ns, ...timed] : timed;
      const r = spawnSync(argv[0]!, argv.slice(1), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: c.env ?? process.env,
        timeout: 120_000,
      });
      const t = JSON.parse(r.stdout.trim() || '{"wall":NaN,"cpu":NaN,"code":-1}') as {
        wall: number;
        cpu: number;
        code: number;
      };
      if (t.code !== 0 && t.code !== 1) failures[k]!++;
      samples[k]!.push(t.wall);
      cpu[k]!.push(t.cpu);
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
      cpuMs: median([...cpu[k]!].sort((a, b) => a - b)),
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
    `${'contender'.padEnd(36)} ${'median ms'.padStart(10)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'cpu ms'.padStart(8)} ${`x ${baseline}`.padStart(14)}`,
  );
  for (const t of timings) {
    const ratio = base ? (t.medianMs / base.medianMs).toFixed(2) : '-';
    const fail = t.failures ? `  (${t.failures} failed runs)` : '';
    const cpu = Number.isNaN(t.cpuMs) ? '-' : t.cpuMs.toFixed(1);
    console.log(
      `${t.label.padEnd(36)} ${t.medianMs.toFixed(1).padStart(10)} ${t.minMs.toFixed(1).padStart(8)} ${t.maxMs.toFixed(1).padStart(8)} ${cpu.padStart(8)} ${ratio.padStart(14)}${fail}`,
    );
  }
}
