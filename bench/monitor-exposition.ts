// Benchmark: the monitor's /metrics body at 10,000 targets, written by @netdiag/monitor's own
// exposition and by prom-client (the Prometheus client most Node services use), same metrics,
// same values. Run: node --import tsx bench/monitor-exposition.ts [targets] [rounds]
// Prints the median time per scrape and the body size; the README's choice rests on it. Both run
// in-process, so the bench runs itself once per Node line (a child each, one after the other) and
// prints their rows in one table.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ExpositionWriter, IcmpEngine, writeIcmpMetrics } from '@netdiag/monitor';
import client from 'prom-client';
import { lines } from './lib/measure.js';

const targets = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 7);

if (process.env.NETDIAG_BENCH_CHILD === undefined) {
  console.log(`/metrics of ${targets} targets, median of ${rounds} scrapes, per Node line`);
  const rows: string[] = [];
  for (const { major, node } of lines) {
    const r = spawnSync(node, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      encoding: 'utf8',
      env: { ...process.env, NETDIAG_BENCH_CHILD: '1' },
    });
    if (r.status !== 0) throw new Error(`Node ${major}: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { ours: number; theirs: number; oursMb: number; theirsMb: number };
    rows.push(
      `netdiag (${major})`.padEnd(18) +
        `${m.ours.toFixed(1).padStart(7)} ms per scrape  ${m.oursMb.toFixed(1)} MB`,
      `prom-client (${major})`.padEnd(18) +
        `${m.theirs.toFixed(1).padStart(7)} ms per scrape  ${m.theirsMb.toFixed(1)} MB`,
      `  Node ${major}: our exposition takes ${(m.ours / m.theirs).toFixed(2)}x prom-client's time`,
    );
  }
  console.log(rows.join('\n'));
  process.exit(0);
}
const MS = 1e6;

// An engine with `targets` targets that each sent 60 requests and got 60 replies.
const engine = new IcmpEngine();
const specs = Array.from({ length: targets }, (_, i) => ({
  host: `198.18.${i >> 8}.${i & 0xff}`,
  address: `198.18.${i >> 8}.${i & 0xff}`,
  family: 4 as const,
  intervalMs: 1000,
  count: 1,
  timeoutMs: 1000,
  size: 56,
}));
engine.setTargets(specs, 0);
for (let now = 0; now < 60_000 * MS; now += 10 * MS) {
  for (const d of engine.due(now)) {
    d.target.restamp(d.seq, now);
    engine.reply(
      d.target.slot,
      d.target.spec.address,
      d.seq & 0xffff,
      now + 0.05 * MS + (d.seq % 7) * 0.01 * MS,
      64,
    );
  }
}

// The same series in prom-client, filled from the engine.
const registry = new client.Registry();
const labelNames = ['host', 'ip'] as const;
const requests = new client.Counter({
  name: 'smokeping_requests_total',
  help: 'Number of ping requests sent',
  labelNames,
  registers: [registry],
});
const duration = new client.Histogram({
  name: 'smokeping_response_duration_seconds',
  help: 'A histogram of latencies for ping responses.',
  labelNames,
  buckets: [...engine.targets][0]!.rtt.bounds.slice(),
  registers: [registry],
});
const ttl = new client.Gauge({
  name: 'smokeping_response_ttl',
  help: 'The last response Time To Live (TTL).',
  labelNames,
  registers: [registry],
});
const counters = [
  'smokeping_response_duplicates_total',
  'netdiag_monitor_late_responses_total',
  'netdiag_monitor_timeouts_total',
  'netdiag_monitor_send_errors_total',
  'netdiag_monitor_icmp_errors_total',
].map((name) => new client.Counter({ name, help: name, labelNames, registers: [registry] }));
for (const t of engine.targets) {
  const labels = { host: t.spec.host, ip: t.spec.address };
  requests.inc(labels, t.sent);
  ttl.set(labels, t.lastTtl);
  for (const c of counters) c.inc(labels, 0);
  // prom-client has no way to load a histogram's state: observe the same count at each bound.
  const child = duration.labels(labels);
  let seen = 0;
  t.rtt.counts.forEach((n, i) => {
    for (let k = 0; k < n; k++) child.observe(t.rtt.bounds[i]!);
    seen += n;
  });
  void seen;
}

async function time(scrape: () => { length: number } | Promise<{ length: number }>) {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const body = await scrape();
    times.push(performance.now() - t0);
    size = body.length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, mb: size / 1e6 };
}

const ours = await time(() => {
  const w = new ExpositionWriter('text');
  writeIcmpMetrics(w, engine);
  return w.finish();
});
const theirs = await time(() => registry.metrics());
console.log(JSON.stringify({ ours: ours.ms, theirs: theirs.ms, oursMb: ours.mb, theirsMb: theirs.mb }));
