// Helper of bench/socket.ts: a flood ping (ping -f -l WINDOW) through one probe-socket backend:
// WINDOW echo requests in flight, a new one sent as each reply arrives, until COUNT replies (or
// a second without progress). Prints {received, seconds, rate} as JSON.
// Usage: node --import tsx bench/lib/socket-flood.ts BACKEND TARGET COUNT WINDOW
import { isIP } from 'node:net';
import { icmpv4, icmpv6 } from '@netdiag/icmp';
import { type Backend, openProbeSocket } from '@netdiag/probe-socket';

const [backend, target, countText, windowText] = process.argv.slice(2);
if (!backend || !target) throw new Error('usage: BACKEND TARGET COUNT WINDOW');
const count = Number(countText ?? 50_000);
const window = Number(windowText ?? 8);
const family = isIP(target) === 6 ? 6 : 4;
const socket = openProbeSocket(
  { family, protocol: 'icmp', identifier: process.pid & 0xffff },
  { backend: backend as Backend },
);
const identifier = socket.boundIdentifier ?? process.pid & 0xffff;
const payload = new Uint8Array(56);
const codec = family === 4 ? icmpv4 : icmpv6;

let sent = 0;
let received = 0;
let lastProgress = process.hrtime.bigint();
const started = process.hrtime.bigint();
let done: () => void = () => {};
const finished = new Promise<void>((resolve) => {
  done = resolve;
});

function send(): void {
  if (sent >= count) return;
  const bytes = codec.encode({
    kind: 'echo-request',
    code: 0,
    identifier,
    sequence: sent++ & 0xffff,
    payload,
  });
  socket.send(bytes, target!).catch(() => {});
}

socket.onPacket((p) => {
  const at = family === 4 && p.includesIpHeader !== false ? (p.data[0]! & 0x0f) * 4 : 0;
  const type = p.data[at];
  const id = ((p.data[at + 4] ?? 0) << 8) | (p.data[at + 5] ?? 0);
  if (type !== (family === 4 ? 0 : 129) || id !== identifier) return;
  received++;
  lastProgress = process.hrtime.bigint();
  if (received >= count) done();
  else send();
});

for (let i = 0; i < window; i++) send();
const watchdog = setInterval(() => {
  // Lost replies would stall a closed loop: refill the window, or give up after a second.
  if (process.hrtime.bigint() - lastProgress > 1_000_000_000n) done();
  else if (sent - received < window) for (let i = sent - received; i < window; i++) send();
}, 100);
await finished;
clearInterval(watchdog);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
socket.close();
process.stdout.write(
  `${JSON.stringify({ backend: socket.backend, received, seconds, rate: received / seconds })}\n`,
);
