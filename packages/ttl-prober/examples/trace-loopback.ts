// Traces the path to the loopback address (one hop) with UDP probes, then prints each hop.
// Run as root:  node --import tsx packages/ttl-prober/examples/trace-loopback.ts
import { trace } from '@netdiag/ttl-prober';

const run = trace('127.0.0.1', { method: 'udp', resolveNames: false, signal: AbortSignal.timeout(10_000) });
for await (const event of run) {
  if (event.type === 'probe')
    console.log(
      `ttl ${event.ttl}: ${event.outcome} from ${event.responder ?? '*'} ${event.rttMs?.toFixed(3) ?? ''}`,
    );
}
const { hops, reached } = await run.result;
for (const hop of hops)
  console.log(
    `${hop.ttl}. ${hop.responders.map((r) => r.address).join(' ') || '???'}  loss ${hop.lossPercent}%  avg ${hop.avg?.toFixed(3)} ms`,
  );
console.log(reached ? 'destination reached' : 'destination not reached');
