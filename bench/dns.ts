// Benchmark: @netdiag/dns-client beside `dig -f` (bind9) and Node's dns.Resolver (c-ares), all
// asking the same local knotd for the same 10,000 A records, with N queries in flight.
// Run: node --import tsx bench/dns.ts [rounds] [N...]     (default: 3 rounds, N = 1 and 64)
//
// Latency is the median time of one query with 1 in flight; throughput is 10,000 queries with N
// in flight. dig reads its batch file one query at a time, so "N in flight" for dig is N dig
// processes each given 10,000/N lines. Rounds are interleaved (a, b, c, a, b, c) so a noisy
// moment of the machine falls on every contender alike. Nothing here asserts a time.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver as NodeResolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeQuery, query } from '@netdiag/dns-client';
import { standardZones, startKnot } from '../test/dns/knot.js';
import { median, printRatios, type Timing } from './lib/measure.js';

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

const knot = await startKnot(standardZones());
const dir = mkdtempSync(join(tmpdir(), 'netdiag-bench-dns-'));
try {
  const nodeResolver = new NodeResolver({ timeout: 2000, tries: 1 });
  nodeResolver.setServers([knot.address]);
  const ours = (i: number) =>
    query(NAMES[i % NAMES.length]!, 'A', {
      servers: [knot.address],
      timeoutMs: 2000,
      attempts: 1,
      recursionDesired: false,
    });
  const node = (i: number) => nodeResolver.resolve4(NAMES[i % NAMES.length]!);
  // Warm up JIT and caches of all three (and check that they answer).
  await pool(500, 8, ours);
  await pool(500, 8, node);

  for (const n of levels) {
    const files = Array.from({ length: n }, (_, k) => {
      const lines: string[] = [];
      for (let i = k; i < QUERIES; i += n) lines.push(`${NAMES[i % NAMES.length]} A`);
      const f = join(dir, `batch-${n}-${k}.txt`);
      writeFileSync(f, `${lines.join('\n')}\n`);
      return f;
    });
    const totals = { ours: [] as number[], node: [] as number[], dig: [] as number[] };
    const fails = { ours: 0, node: 0, dig: 0 };
    const latency = { ours: [] as number[], node: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const a = await pool(QUERIES, n, ours);
      totals.ours.push(a.totalMs);
      fails.ours += a.failures;
      const b = await pool(QUERIES, n, node);
      totals.node.push(b.totalMs);
      fails.node += b.failures;
      const c = await runDig(files, knot.address);
      totals.dig.push(c.totalMs);
      fails.dig += c.failures;
      if (n === 1) {
        latency.ours.push(...a.each);
        latency.node.push(...b.each);
      }
    }
    const rows = [
      timing('netdiag dns-client', totals.ours, fails.ours),
      timing('node dns.Resolver (c-ares)', totals.node, fails.node),
      timing(`dig -f (${n} process${n > 1 ? 'es' : ''})`, totals.dig, fails.dig),
    ];
    printRatios(
      `${QUERIES} A queries to knotd on ${knot.address}, ${n} in flight: total ms per round (${rounds} rounds)`,
      rows,
      rows[2]!.label,
    );
    for (const row of rows)
      console.log(
        `  ${row.label.padEnd(34)} ${((QUERIES / row.medianMs) * 1000).toFixed(0).padStart(8)} queries/s`,
      );
    if (n === 1) {
      const p = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.floor(q * (xs.length - 1))]!;
      console.log('  latency, one in flight (ms):       median      p99');
      for (const [label, xs] of [
        ['netdiag dns-client', latency.ours],
        ['node dns.Resolver (c-ares)', latency.node],
      ] as const) {
        console.log(
          `  ${label.padEnd(34)} ${p(xs, 0.5).toFixed(3).padStart(7)} ${p(xs, 0.99).toFixed(3).padStart(8)}`,
        );
      }
      const digPerQuery = median([...totals.dig].sort((x, y) => x - y)) / QUERIES;
      console.log(`  ${'dig -f (total / queries)'.padEnd(34)} ${digPerQuery.toFixed(3).padStart(7)}`);
      console.log(
        `  ratio netdiag/node median latency: ${(p(latency.ours, 0.5) / p(latency.node, 0.5)).toFixed(2)}`,
      );
    }
  }

  // Where the time goes: the same query bytes, one in flight, from a fresh connected socket per
  // query (what dns-client does, for a random source port each time) or from one reused socket.
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
    `\nbare UDP exchange, 1 in flight: fresh socket per query ${fm.toFixed(3)} ms, reused socket ${rm.toFixed(3)} ms (x${(fm / rm).toFixed(2)})`,
  );
} finally {
  await knot.stop();
  rmSync(dir, { recursive: true, force: true });
}
