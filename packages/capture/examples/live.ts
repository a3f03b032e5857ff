// Live capture on the loopback interface, with a kernel filter: two ICMP echo packets (a ping to
// 127.0.0.1 that this example sends itself), printed as tcpdump prints them. Needs CAP_NET_RAW.
// Run: node --import tsx packages/capture/examples/live.ts
import { capture, formatStats, PacketPrinter } from '@netdiag/capture';
import { ping } from '@netdiag/icmp';

const run = capture({ interface: 'lo', filter: 'icmp', count: 2, signal: AbortSignal.timeout(5000) });
const opened = await run.opened; // the socket is open and filtering: now make some traffic
console.log(
  `listening on ${opened.interface} (link type ${opened.linkType}), filter in the ${opened.filterIn}`,
);
const echo = ping('127.0.0.1', { count: 1, signal: AbortSignal.timeout(3000) });
const printer = new PacketPrinter({ numeric: 1 });
for await (const packet of run) {
  printer.print(packet); // packet: { seconds, nanos, originalLength, data, linkType, ... }
  process.stdout.write(printer.take());
}
await echo.summary;
process.stdout.write(formatStats(run.stats()));
