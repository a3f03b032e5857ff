// Benchmark: `netdiag monitor` beside prometheus-smokeping-prober, in a lab of its own (root).
// Run: npm run build && node --import tsx bench/monitor.ts [seconds] [sizes] [netdiag|smokeping]
//      (default: 60 s, sizes 1024,10000)
// netdiag runs once per Node line (bench/lib/measure.ts: lines), in the same table.
//
// Each agent runs alone (one after the other, never side by side) in the lab's `client`
// namespace, probing N addresses of 198.18.0.0/18 on the host `many` (one veth away, kernel echo
// replies in tens of µs), 1 request per second each, from the same YAML file (smokeping_prober's
// config format, which netdiag reads too). Measured per agent:
// - CPU seconds over the run (utime + stime from /proc/PID/stat, after a 5 s warm-up) and the
//   share of one core;
// - peak RSS (VmHWM);
// - false loss: 1 - replies / requests over every target at the end (the targets lose nothing);
// - RTT error: per target, the agent's mean RTT (histogram sum / count) minus the mean RTT of
//   the same target's echo pairs captured by tcpdump on the client's interface with the
//   kernel's nanosecond timestamps (64 targets, 15 s of the run); the p50 and p99 over targets;
// - /metrics scrape time: curl's total time for the text format, median of 3 at the end.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createLab, type Lab } from '../test/lab/index.js';
import { lines } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
/** Flags for netdiag's Node, to look inside a run (`BENCH_NODE_FLAGS=--trace-gc`): never a fix. */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const seconds = Number(process.argv[2] ?? 60);
const sizes = (process.argv[3] ?? '1024,10000').split(',').map(Number);
/** `netdiag` to measure netdiag alone (smokeping_prober takes minutes to start 10,000 probers). */
const only = process.argv[4];
const WARMUP_S = 5;
const CAPTURE_TARGETS = 64;
const CAPTURE_S = 15;
const PORT = 19380;
const TICKS = 100; // USER_HZ
/** How long an agent may take to serve /metrics (BENCH_STARTUP_S: smokeping_prober at 10,000 needs more). */
const STARTUP_LIMIT_S = Number(process.env.BENCH_STARTUP_S ?? 120);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function address(i: number): string {
  return `198.18.${i >> 8}.${i & 0xff}`;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

async function curlTime(lab: Lab, url: string): Promise<{ seconds: number; body: string }> {
  const r = await lab.exec('client', ['curl', '-sS', '--max-time', '60', '-w', '\n%{time_total}', url], {
    timeoutMs: 70_000,
  });
  const nl = r.stdout.lastIndexOf('\n');
  return { seconds: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl) };
}

/** Sums and per-target means from an exposition in the text format. */
function readMetrics(body: string) {
  let requests = 0;
  let replies = 0;
  const sum = new Map<string, number>();
  const count = new Map<string, number>();
  for (const line of body.split('\n')) {
    const m =
      /^(smokeping_requests_total|smokeping_response_duration_seconds_sum|smokeping_response_duration_seconds_count)\{.*ip="([^"]+)".*\} (\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const v = Number(m[3]);
    if (m[1] === 'smokeping_requests_total') requests += v;
    else if (m[1] === 'smokeping_response_duration_seconds_count') {
      replies += v;
      count.set(m[2]!, v);
    } else sum.set(m[2]!, v);
  }
  const meanRtt = new Map<string, number>();
  for (const [ip, c] of count) if (c > 0) meanRtt.set(ip, sum.get(ip)! / c);
  return { requests, replies, meanRtt };
}

/** Echo request/reply pairs in a pcap (Ethernet, nanosecond timestamps): mean RTT per target. */
function captureRtts(file: string): Map<string, number> {
  const b = readFileSync(file);
  const nano = b.readUInt32LE(0) === 0xa1b23c4d;
  const requests = new Map<string, number>();
  const rtts = new Map<string, number[]>();
  for (let off = 24; off + 16 <= b.length; ) {
    const sec = b.readUInt32LE(off);
    const frac = b.readUInt32LE(off + 4);
    const caplen = b.readUInt32LE(off + 8);
    const t = sec * 1e9 + (nano ? frac : frac * 1000);
    const p = off + 16;
    off = p + caplen;
    if (b.readUInt16BE(p + 12) !== 0x0800) continue;
    const ihl = (b[p + 14]! & 15) * 4;
    if (b[p + 23] !== 1) continue;
    const src = [...b.subarray(p + 26, p + 30)].join('.');
    const dst = [...b.subarray(p + 30, p + 34)].join('.');
    const icmp = p + 14 + ihl;
    const type = b[icmp];
    const key = (ip: string) => `${ip} ${b.readUInt16BE(icmp + 4)} ${b.readUInt16BE(icmp + 6)}`;
    if (type === 8) requests.set(key(dst), t);
    else if (type === 0) {
      const sent = requests.get(key(src));
      if (sent === undefined) continue;
      requests.delete(key(src));
      const list = rtts.get(src) ?? [];
      list.push((t - sent) / 1e9);
      rtts.set(src, list);
    }
  }
  return new Map([...rtts].map(([ip, l]) => [ip, l.reduce((a, x) => a + x, 0) / l.length]));
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

interface Result {
  readonly name: string;
  /** Set when the agent could not be measured (it never served /metrics, say). */
  readonly failure?: string;
  readonly targets: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly falseLoss: number;
  readonly rttErrP50: number;
  readonly rttErrP99: number;
  readonly scrape: number;
}

async function runAgent(lab: Lab, dir: string, name: string, n: number, argv: string[]): Promise<Result> {
  const child = lab.spawn('client', argv);
  let output = '';
  // With BENCH_NODE_FLAGS=--trace-gc (one line per collection: "Scavenge 30.1 (44.2) -> 12.3
  // (45.0) MB, ..."), the collections of the measured run and what was allocated between them:
  // the heap before a collection less the heap after the one before it.
  const gc = { scavenges: 0, markCompacts: 0, allocatedMb: 0, lastAfter: Number.NaN, partial: '' };
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (gc.partial + d.toString()).split('\n');
    gc.partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /(Scavenge|Mark-Compact)\S*\s+([\d.]+) \([\d.]+\) -> ([\d.]+)/.exec(line);
      if (!m) continue;
      if (m[1] === 'Scavenge') gc.scavenges++;
      else gc.markCompacts++;
      if (!Number.isNaN(gc.lastAfter)) gc.allocatedMb += Math.max(0, Number(m[2]) - gc.lastAfter);
      gc.lastAfter = Number(m[3]);
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const pid = child.pid!;
  const url = `http://127.0.0.1:${PORT}/metrics`;
  try {
    const started = performance.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`);
      const r = await lab.exec('client', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', url]);
      if (r.stdout === '200') {
        console.error(
          `${name} ${n}: /metrics answered ${((performance.now() - started) / 1000).toFixed(1)} s after start`,
        );
        break;
      }
      if (performance.now() - started > STARTUP_LIMIT_S * 1000)
        throw new Error(`did not serve /metrics within ${STARTUP_LIMIT_S} s of its start`);
      await sleep(100);
    }
    await sleep(WARMUP_S * 1000);
    const cpu0 = cpuSeconds(pid);
    Object.assign(gc, { scavenges: 0, markCompacts: 0, allocatedMb: 0 });
    const t0 = performance.now();
    // Capture the first targets' echoes for part of the run, with the kernel's timestamps.
    const pcap = join(dir, `${name.replace(/\W+/g, '-')}-${n}.pcap`);
    const captureFilter = `icmp and net 198.18.0.0/${32 - Math.log2(CAPTURE_TARGETS)}`;
    const dump = lab.spawn('client', [
      'tcpdump',
      '-i',
      'eth0',
      '-nn',
      '-s',
      '64',
      '-B',
      '16384',
      '--time-stamp-precision=nano',
      '-w',
      pcap,
      captureFilter,
    ]);
    dump.stderr?.on('data', () => {});
    await sleep(Math.min(CAPTURE_S, seconds - 2) * 1000);
    process.kill(dump.pid!, 'SIGTERM');
    await new Promise((r) => dump.once('exit', r));
    await sleep(Math.max(0, seconds * 1000 - (performance.now() - t0)));
    const cpu = cpuSeconds(pid) - cpu0;
    const elapsed = (performance.now() - t0) / 1000;
    const run = { ...gc }; // before the scrapes below
    const scrapes = [await curlTime(lab, url), await curlTime(lab, url), await curlTime(lab, url)];
    const rssMb = peakRssMb(pid);
    if (nodeFlags.includes('--trace-gc'))
      console.error(
        `${name} ${n}: in the ${seconds} s run ${run.scavenges} scavenges, ${run.markCompacts} mark-compacts, ` +
          `${(run.allocatedMb / elapsed).toFixed(1)} MB/s allocated`,
      );
    // Counted from the first scrape: each scrape of 10,000 targets holds the event loop for tens
    // of milliseconds, and replies queued meanwhile (read later, in time by their kernel
    // timestamps) would show in the next scrape as requests without replies yet.
    const metrics = readMetrics(scrapes[0]!.body);
    const captured = captureRtts(pcap);
    const errors: number[] = [];
    for (const [ip, truth] of captured) {
      const ours = metrics.meanRtt.get(ip);
      if (ours !== undefined) errors.push(Math.abs(ours - truth) * 1000);
    }
    return {
      name,
      targets: n,
      cpu: cpu / elapsed,
      rssMb,
      falseLoss: metrics.requests === 0 ? 1 : 1 - metrics.replies / metrics.requests,
      rttErrP50: quantile(errors, 0.5),
      rttErrP99: quantile(errors, 0.99),
      scrape: quantile(
        scrapes.map((s) => s.seconds),
        0.5,
      ),
    };
  } finally {
    if (child.exitCode === null) {
      process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 5000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    }
  }
}

const maxTargets = Math.max(...sizes);
const prefixes = Array.from({ length: Math.ceil(maxTargets / 4096) }, (_, i) => `198.18.${i * 16}.0/20`);
const lab = await createLab({
  hosts: { many: { prefixes } },
  links: [{ hosts: ['client', 'many'] }],
});
const dir = mkdtempSync(join(tmpdir(), 'netdiag-bench-monitor-'));
// netdiag monitor runs as nobody once its sockets are open (issue 16) and re-reads its config
// on reload: nobody must be able to read it.
chmodSync(dir, 0o755);
const results: Result[] = [];
try {
  for (const n of sizes) {
    const file = join(dir, `targets-${n}.yml`);
    writeFileSync(
      file,
      stringify({ targets: [{ hosts: Array.from({ length: n }, (_, i) => address(i)), interval: '1s' }] }),
    );
    const contenders: [string, string[]][] = [
      // netdiag on every Node line, one after the other like every agent here.
      ...lines.map(
        ({ major, node }) =>
          [
            `netdiag (${major})`,
            [node, ...nodeFlags, cli, 'monitor', '--config', file, '--listen', `127.0.0.1:${PORT}`],
          ] as [string, string[]],
      ),
      [
        'smokeping',
        [
          'prometheus-smokeping-prober',
          '--privileged',
          `--config.file=${file}`,
          `--web.listen-address=127.0.0.1:${PORT}`,
        ],
      ],
    ];
    for (const [name, argv] of contenders) {
      if (only !== undefined && !name.startsWith(only)) continue;
      try {
        results.push(await runAgent(lab, dir, name, n, argv));
      } catch (err) {
        const failure = err instanceof Error ? err.message : String(err);
        const nan = Number.NaN;
        results.push({
          name,
          failure,
          targets: n,
          cpu: nan,
          rssMb: nan,
          falseLoss: nan,
          rttErrP50: nan,
          rttErrP99: nan,
          scrape: nan,
        });
      }
    }
  }
} finally {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${seconds} s at 1 request/s per target; CPU as the share of one core; RTT error in ms\n`);
console.log('agent          targets   CPU    peak RSS  false loss  RTT err p50  p99     scrape');
for (const r of results)
  if (r.failure) console.log(`${r.name.padEnd(14)} ${String(r.targets).padStart(7)}  ${r.failure}`);
  else
    console.log(
      `${r.name.padEnd(14)} ${String(r.targets).padStart(7)}  ${r.cpu.toFixed(3).padStart(5)}  ${r.rssMb.toFixed(0).padStart(5)} MB  ` +
        `${(100 * r.falseLoss).toFixed(2).padStart(7)} %  ${r.rttErrP50.toFixed(4).padStart(9)}  ${r.rttErrP99.toFixed(4).padStart(7)}  ` +
        `${(r.scrape * 1000).toFixed(0).padStart(5)} ms`,
    );
for (const n of sizes) {
  for (const { major } of lines) {
    const ours = results.find((r) => r.name === `netdiag (${major})` && r.targets === n);
    const theirs = results.find((r) => r.name === 'smokeping' && r.targets === n);
    if (!ours || !theirs || ours.failure || theirs.failure) continue;
    console.log(
      `${n} targets: netdiag on Node ${major} uses ${(ours.cpu / theirs.cpu).toFixed(3)}x smokeping_prober's CPU, ` +
        `${(ours.rssMb / theirs.rssMb).toFixed(2)}x its memory, scrapes in ${(ours.scrape / theirs.scrape).toFixed(2)}x its time`,
    );
  }
}
