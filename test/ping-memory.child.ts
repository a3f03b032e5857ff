// One pinger under volume, in a child process of its own (run by ping-memory.test.ts inside a lab
// namespace) so that its memory is the pinger's alone. Prints one JSON line.
//   node --expose-gc ping-memory.child.mjs SETTLE_MS AFTER RECORD_FILE|- ADDRESS...
// Pings every ADDRESS at the library's fastest interval (1 ms), iterating every event as an
// embedding script would. The pinger's tables hold each request from its send until its timeout
// and late window have passed, so they grow with the request rate for that long: the first request
// sent SETTLE_MS or more after the start is the checkpoint, and the run stops when AFTER more have
// gone out. At the checkpoint, half-way and at the last request (the run alive, its tables and
// statistics in use) the child collects garbage and samples the memory it holds.
// With RECORD_FILE, every counted reply is appended to it as two float64s, target index and RTT
// (written in batches, so recording costs no memory): the exact quantiles are computed from that
// record, outside this process.
// PING_MEMORY_KEEP_RTTS=1 makes this child keep every RTT in an array, as statistics that grow
// with the run would: the test must fail then (the check that it can).
// Run with plain node on the built packages (ping-memory.test.ts compiles this file), so that
// the memory is the pinger's and not a TypeScript loader's.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ping } from '@netdiag/icmp';

const [settleText, afterText, recordFile, ...addresses] = process.argv.slice(2);
const settleMs = Number(settleText);
const after = Number(afterText);
const fd = recordFile && recordFile !== '-' ? openSync(recordFile, 'w') : undefined;
const batch = new Float64Array(8192);
let batched = 0;
const flush = () => {
  if (fd !== undefined && batched > 0) writeSync(fd, new Uint8Array(batch.buffer, 0, batched * 8));
  batched = 0;
};
const kept: number[] | undefined = process.env.PING_MEMORY_KEEP_RTTS === '1' ? [] : undefined;

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');
const sample = (sent: number) => {
  collect();
  const m = process.memoryUsage();
  return {
    sent,
    ms: Math.round(performance.now() - started),
    // Live JavaScript objects, and apart the memory of typed arrays and buffers.
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    rss: m.rss,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
};
const samples: ReturnType<typeof sample>[] = [];

const started = performance.now();
const run = ping(addresses, { intervalMs: 1, timeoutMs: 2000 });
const counts = { sent: 0, reply: 0, timeout: 0, other: 0 };
let checkpoint: number | undefined;
for await (const e of run) {
  if (e.type === 'sent') {
    counts.sent++;
    if (checkpoint === undefined && performance.now() - started >= settleMs) {
      checkpoint = counts.sent;
      samples.push(sample(counts.sent));
    } else if (checkpoint !== undefined && counts.sent === checkpoint + after / 2) {
      samples.push(sample(counts.sent));
    } else if (checkpoint !== undefined && counts.sent === checkpoint + after) {
      samples.push(sample(counts.sent));
      run.stop();
    }
  } else if (e.type === 'reply' && !e.duplicate && !e.late) {
    counts.reply++;
    kept?.push(e.rtt);
    if (fd !== undefined) {
      batch[batched++] = e.target;
      batch[batched++] = e.rtt;
      if (batched === batch.length) flush();
    }
  } else if (e.type === 'timeout') counts.timeout++;
  else if (e.type !== 'start' && e.type !== 'end') counts.other++;
}
flush();
if (fd !== undefined) closeSync(fd);
const summaries = await run.summary;
process.stdout.write(
  `${JSON.stringify({
    ...counts,
    samples,
    maxRssKiB: process.resourceUsage().maxRSS,
    kept: kept?.length ?? null,
    summaries: summaries.map((s) => ({ transmitted: s.transmitted, received: s.received, rtt: s.rtt })),
  })}\n`,
);
