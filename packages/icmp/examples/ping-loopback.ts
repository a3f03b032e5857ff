// Pings the loopback addresses three times each and prints every reply and the statistics.
// Run as root (or with CAP_NET_RAW, or where net.ipv4.ping_group_range admits you):
//   node --import tsx packages/icmp/examples/ping-loopback.ts
import { ping } from '@netdiag/icmp';

const run = ping(['127.0.0.1', '::1'], { count: 3, intervalMs: 200, signal: AbortSignal.timeout(10_000) });
for await (const event of run) {
  if (event.type === 'reply')
    console.log(`${event.from}: seq=${event.seq} ttl=${event.ttl ?? '-'} time=${event.rtt.toFixed(3)} ms`);
  if (event.type === 'timeout') console.log(`seq=${event.seq} timed out`);
}
for (const s of await run.summary) {
  console.log(
    `${s.address}: ${s.transmitted} sent, ${s.received} received, ${s.lossPercent}% loss, avg ${s.rtt?.avg.toFixed(3) ?? '-'} ms`,
  );
}
