// One pinger under volume, in a child process of its own (run by ping-memory.test.ts inside a lab
// namespace) so that its peak RSS is the pinger's alone. Prints one JSON line.
//   ping-memory.child.ts TOTAL RECORD_FILE|- ADDRESS...
// Pings every ADDRESS at the library's fastest interval (1 ms) until TOTAL requests have gone out
// in all, iterating every event as an embedding script would. With RECORD_FILE, every counted
// reply is appended to it as two float64s, target index and RTT (written in batches, so recording
// costs no memory): the exact quantiles are computed from that record, outside this process.
// Run with plain node on the built packages (ping-memory.test.ts compiles this file), so that
// the peak RSS is the pinger's and not a TypeScript loader's.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ping } from '@netdiag/icmp';

const [totalText, recordFile, ...addresses] = process.argv.slice(2);
const total = Number(totalText);
const perTarget = Math.ceil(total / addresses.length);
const fd = recordFile && recordFile !== '-' ? openSync(recordFile, 'w') : undefined;
const batch = new Float64Array(8192);
let batched = 0;
const flush = () => {
  if (fd !== undefined && batched > 0) writeSync(fd, new Uint8Array(batch.buffer, 0, batched * 8));
  batched = 0;
};

const run = ping(addresses, { count: perTarget, intervalMs: 1, timeoutMs: 2000 });
const counts = { sent: 0, reply: 0, timeout: 0, other: 0 };
let rssAt10k: number | undefined;
for await (const e of run) {
  if (e.type === 'sent') {
    counts.sent++;
    if (counts.sent === 10_000) rssAt10k = process.memoryUsage().rss;
  } else if (e.type === 'reply' && !e.duplicate && !e.late) {
    counts.reply++;
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
    maxRssKiB: process.resourceUsage().maxRSS,
    rssAt10k: rssAt10k ?? null,
    summaries: summaries.map((s) => ({ transmitted: s.transmitted, received: s.received, rtt: s.rtt })),
  })}\n`,
);
