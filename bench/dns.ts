// Benchmark: @netdiag/dns-client beside `dig -f` (bind9) and Node's dns.Resolver (c-ares), all
// asking the same local knotd for the same 10,000 A records, with N queries in flight.
// Run: node --import tsx bench/dns.ts [rounds] [N...]     (default: 3 rounds, N = 1 and 64)
//
// Latency is the median time of one query with 1 in flight; throughput is 10,000 queries with N
// in flight. dig reads its batch file one query at a time, so "N in flight" for dig is N dig
// processes each given 10,000/N lines. Rounds are interleaved (a, b, c, a, b, c) so a noisy
// moment of the machine falls on every contender alike. Nothing here asserts a time.
// The two in-process contenders (dns-client and Node's resolver) run in a child per Node line,
// each round (bench/lib/measure.ts: lines), so that Node 20 and Node 24 stand side by side.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver as NodeResolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeQuery, query } from '@netdiag/dns-client';
import { standardZones, startKnot } from '../test/dns/knot.js';
import { lines, median, printRatios, type Timing } from './lib/measure.js';

const QUERIES = 10_000;
const rounds = Number(process.argv[2] ?? 3);
const inFlight = process.argv.slice(3).map(Number);
const levels = inFlight.length ? inFlight : [1, 64];
const NAMES = ['www', 'mail', 'sip', 'ns1', 'alias'].map((n) => `${n}.netdiag.test`);

/** Runs `count` jobs with at most `n` in flight; returns each job's duration in ms. */
async function pool(
  count: number,
  n: number,
  job: (i: number) => Promise<unknown>,
): Promise<{ totalMs: number; each: number[]; failures: number }> {
  const each: number[] = new Array(count);
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(n, count) }, async () => {
      while (next < count) {
        const i = next++;
        const s = performance.now();
        try {
          await job(i);
        } catch {
          failures++;
        }
        each[i] = performance.now() - s;
      }
    }),
  );
  return { totalMs: performance.now() - t0, each, failures };
}

function runDig(files: string[], server: string): Promise<{ totalMs: number; failures: number }> {
  const t0 = performance.now();
  return Promise.all(
    files.map(
      (f) =>
        new Promise<number>((resolve) => {
          const p = spawn(
            'dig',
            [`@${server}`, '+norecurse', '+tries=1', '+time=2', '+noall', '+answer', '-f', f],
            { stdio: ['ignore', 'ignore', 'ignore'] },
          );
          p.on('exit', (code) => resolve(code === 0 ? 0 : 1));
        }),
    ),
  ).then((codes) => ({ totalMs: performance.now() - t0, failures: codes.reduce((a, b) => a + b, 0) }));
}

function timing(label: string, samples: number[], failures: number): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return {
    label,
    runs: s.length,
    medianMs: median(s),
    minMs: s[0]!,
    maxMs: s[s.length - 1]!,
    cpuMs: Number.NaN,
    failures,
  };
}

interface RoundResult {
  readonly totalMs: number;
  readonly failures: number;
  readonly each: number[];
}

/** In a child (NETDIAG_BENCH_CHILD=SERVER,N): one round of dns-client and of Node's resolver, as JSON. */
async function childRound(server: string, n: number): Promise<void> {
  const nodeResolver = new NodeResolver({ timeout: 2000, tries: 1 });
  nodeResolver.setServers([server]);
  const ours = (i: number) =>
    query(NAMES[i % NAMES.length]!, 'A', {
      servers: [server],
      timeoutMs: 2000,
      attempts: 1,
      recursionDesired: false,
    });
  const node = (i: number) => nodeResolver.resolve4(NAMES[i % NAMES.length]!);
  // Warm up JIT and caches of both (and check that they answer).
  await pool(500, 8, ours);
  await pool(500, 8, node);
  const a = await pool(QUERIES, n, ours);
  const b = await pool(QUERIES, n, node);
  const keep = (r: RoundResult) => ({ ...r, each: n === 1 ? r.each : [] });
  console.log(JSON.stringify({ ours: keep(a), node: keep(b) }));
}

const child = process.env.NETDIAG_BENCH_CHILD;
if (child !== undefined) {
  const [server, n] = child.split(',');
  await childRound(server!, Number(n));
  process.exit(0);
}

function linesRound(server: string, n: number): { major: number; ours: RoundResult; node: RoundResult }[] {
  return lines.map(({ major, node }) => {
    const r = spawnSync(node, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, NETDIAG_BENCH_CHILD: `${server},${n}` },
    });
    if (r.status !== 0) throw new Error(`Node ${major}: ${r.stderr}`);
    return { major, ...(JSON.parse(r.stdout) as { ours: RoundResult; node: RoundResult }) };
  });
}

const knot = await startKnot(standardZones());
const dir = mkdtempSync(join(tmpdir(), 'netdiag-bench-dns-'));
try {
  for (const n of levels) {
    const files = Array.from({ length: n }, (_, k) => {
      const lines: string[] = [];
      for (let i = k; i < QUERIES; i += n) lines.push(`${NAMES[i % NAMES.length]} A`);
      const f = join(dir, `batch-${n}-${k}.txt`);
      writeFileSync(f, `${lines.join('\n')}\n`);
      return f;
    });
    // Per Node line: dns-client and Node's resolver, their round totals, failures and latencies.
    const per = new Map(
      lines.map(({ major }) => [
        major,
        { ours: [] as number[], node: [] as number[], fo: 0, fn: 0, lo: [] as number[], ln: [] as number[] },
      ]),
    );
    const dig = { totals: [] as number[], failures: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const { major, ours, node } of linesRound(knot.address, n)) {
        const p = per.get(major)!;
        p.ours.push(ours.totalMs);
        p.fo += ours.failures;
        p.node.push(node.totalMs);
        p.fn += node.failures;
        p.lo.push(...ours.each);
        p.ln.push(...node.each);
      }
      const c = await runDig(files, knot.address);
      dig.totals.push(c.totalMs);
      dig.failures += c.failures;
    }
    const rows = [
      ...[...per].flatMap(([major, p]) => [
        timing(`netdiag dns-client (${major})`, p.ours, p.fo),
        timing(`node dns.Resolver (c-ares) (${major})`, p.node, p.fn),
      ]),
      timing(`dig -f (${n} process${n > 1 ? 'es' : ''})`, dig.totals, dig.failures),
    ];
    printRatios(
      `${QUERIES} A queries to knotd on ${knot.address}, ${n} in flight: total ms per round (${rounds} rounds)`,
      rows,
      rows.at(-1)!.label,
    );
    for (const row of rows)
      console.log(
        `  ${row.label.padEnd(34)} ${((QUERIES / row.medianMs) * 1000).toFixed(0).padStart(8)} queries/s`,
      );
    if (n === 1) {
      const p = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.floor(q * (xs.length - 1))]!;
      console.log('  latency, one in flight (ms):       median      p99');
      for (const [label, xs] of [...per].flatMap(([major, p]) => [
        [`netdiag dns-client (${major})`, p.lo] as const,
        [`node dns.Resolver (c-ares) (${major})`, p.ln] as const,
      ])) {
        console.log(
          `  ${label.padEnd(34)} ${p(xs, 0.5).toFixed(3).padStart(7)} ${p(xs, 0.99).toFixed(3).padStart(8)}`,
        );
      }
      const digPerQuery = median([...dig.totals].sort((x, y) => x - y)) / QUERIES;
      console.log(`  ${'dig -f (total / queries)'.padEnd(34)} ${digPerQuery.toFixed(3).padStart(7)}`);
      for (const [major, q] of per)
        console.log(
          `  Node ${major}: ratio netdiag/node median latency: ${(p(q.lo, 0.5) / p(q.ln, 0.5)).toFixed(2)}`,
        );
    }
  }

  // Where the time goes: the same query bytes, one in flight, from a fresh connected socket per
  // query (what dns-client does, for a random source port each time) or from one reused socket.
  // In this process: on the Node running the bench only.
  const wire = encodeQuery({
    id: 1,
    question: { name: 'www.netdiag.test.', type: 1, class: 1 },
    recursionDesired: false,
    checkingDisabled: false,
    authenticData: false,
    edns: false,
  });
  const fresh = () =>
    new Promise<void>((resolve) => {
      const s = createSocket('udp4');
      s.on('message', () => {
        s.close();
        resolve();
      });
      s.connect(53, knot.address, () => s.send(wire));
    });
  const shared = createSocket('udp4');
  let answered: () => void = () => undefined;
  shared.on('message', () => answered());
  await new Promise<void>((r) => shared.bind(0, r));
  const reused = () =>
    new Promise<void>((resolve) => {
      answered = resolve;
      shared.send(wire, 53, knot.address);
    });
  const perQuery = { fresh: [] as number[], reused: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    perQuery.fresh.push((await pool(QUERIES, 1, fresh)).totalMs / QUERIES);
    perQuery.reused.push((await pool(QUERIES, 1, reused)).totalMs / QUERIES);
  }
  shared.close();
  const fm = median([...perQuery.fresh].sort((a, b) => a - b));
  const rm = median([...perQuery.reused].sort((a, b) => a - b));
  console.log(
    `\nbare UDP exchange (Node ${process.versions.node}), 1 in flight: fresh socket per query ${fm.toFixed(3)} ms, reused socket ${rm.toFixed(3)} ms (x${(fm / rm).toFixed(2)})`,
  );
} finally {
  await knot.stop();
  rmSync(dir, { recursive: true, force: true });
}
