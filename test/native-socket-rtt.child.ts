// Pings with netdiag's pinger through one probe-socket backend while the event loop is blocked
// for BLOCK_MS after every send (a busy application), and prints the RTT summary as JSON.
// Usage: node --import tsx native-socket-rtt.child.ts BACKEND TARGET COUNT INTERVAL_MS BLOCK_MS
import { ping } from '@netdiag/icmp';
import { type Backend, openProbeSocket, type ProbeSocket, type SocketSpec } from '@netdiag/probe-socket';

const [backend, target, count, intervalMs, blockMs] = process.argv.slice(2);
if (!backend || !target) throw new Error('usage: BACKEND TARGET COUNT INTERVAL_MS BLOCK_MS');
const blockNs = BigInt(Math.round(Number(blockMs ?? 5) * 1e6));

function busy(socket: ProbeSocket): ProbeSocket {
  return new Proxy(socket, {
    get(s, key, receiver) {
      if (key !== 'send') return Reflect.get(s, key, receiver);
      return (...args: Parameters<ProbeSocket['send']>) => {
        const sent = s.send(...args);
        const until = process.hrtime.bigint() + blockNs;
        while (process.hrtime.bigint() < until) {
          // the event loop is busy: nothing is read until this ends
        }
        return sent;
      };
    },
  });
}

const run = ping(target, {
  count: Number(count ?? 20),
  intervalMs: Number(intervalMs ?? 20),
  openSocket: (spec: SocketSpec) => busy(openProbeSocket(spec, { backend: backend as Backend })),
});
const [summary] = await run.summary;
process.stdout.write(`${JSON.stringify({ backend, received: summary!.received, rtt: summary!.rtt })}\n`);
