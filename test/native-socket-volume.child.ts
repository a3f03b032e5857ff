// Volume checks for the native socket, run in a child process (with --expose-gc) by
// native-socket-volume.test.ts; prints one JSON line.
//   datagrams N: receives N loopback UDP datagrams; memory after gc at N/10 and at N.
//   errors N:    provokes N ICMP port unreachables on loopback and reads them all from the error
//                queue of one socket (run in a namespace with ICMP rate limits off).
//   backpressure N LIMIT: sends N 1,000-byte datagrams at once from a socket with the smallest
//                send buffer, queue limit LIMIT, over a loopback slowed by a token bucket (run in
//                a namespace whose lo has one): what the kernel refuses with EAGAIN waits in the
//                socket's queue and goes out, in order, as the buffer drains.
import { constants, type ErrorQueueEntry, open } from '../packages/native-socket/src/index.js';

const [mode, countText] = process.argv.slice(2);
const total = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function udp(errorQueue = false, sendQueueLimit?: number) {
  const s = open({
    domain: 'inet',
    type: 'dgram',
    protocol: 0,
    errorQueue,
    receiveBufferBytes: 1 << 21,
    ...(sendQueueLimit !== undefined ? { sendQueueLimit } : {}),
  });
  s.bind({ family: 'inet', address: '127.0.0.1', port: 0 });
  const local = s.localAddress();
  return { socket: s, port: local?.family === 'inet' ? local.port : 0 };
}

function memory() {
  // Twice: V8 frees array buffers' memory on a background thread after a collection and counts
  // it as freed (external, arrayBuffers) when the next collection starts.
  gc!();
  gc!();
  const m = process.memoryUsage();
  // heapTotal is what V8 has committed for its heap, live or not. Under this allocation rate V8
  // grows the young generation and keeps its size after a full collection: 104 MiB of new space
  // on Node 24 here, 27 MiB on Node 20 (v8.getHeapSpaceStatistics() after 1,000,000 datagrams).
  // rss - heapTotal is the memory outside V8's heap, malloc'd by the addon and by Node, where a
  // leak of the addon would show.
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external + m.arrayBuffers,
    outsideHeap: m.rss - m.heapTotal,
  };
}

if (mode === 'datagrams') {
  const rx = udp();
  const tx = udp();
  const window = 64;
  const payload = Buffer.alloc(64, 7);
  let received = 0;
  let wake: (() => void) | undefined;
  rx.socket.onMessage(() => {
    received++;
    wake?.();
  });
  let sent = 0;
  let baseline: ReturnType<typeof memory> | undefined;
  const started = process.hrtime.bigint();
  while (received < total) {
    while (sent < total && sent - received < window) {
      sent++;
      void tx.socket.send(payload, { family: 'inet', address: '127.0.0.1', port: rx.port });
    }
    // Wait for a delivery, or 50 ms: a datagram lost on loopback must not stall the run.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });
    if (sent === total && received < total && sent - received > 0) {
      // Stalled at the end: resend what is missing.
      sent = received;
    }
    if (!baseline && received >= total / 10) baseline = memory();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const final = memory();
  process.stdout.write(
    `${JSON.stringify({ received, seconds, rate: received / seconds, baseline, final })}\n`,
  );
  rx.socket.close();
  tx.socket.close();
} else if (mode === 'errors') {
  const closed = udp();
  const port = closed.port;
  closed.socket.close();
  const tx = udp(true);
  const entries: ErrorQueueEntry[] = [];
  let wake: (() => void) | undefined;
  tx.socket.onErrorQueue((e) => {
    entries.push(e);
    wake?.();
  });
  const batch = 50;
  let sent = 0;
  while (entries.length < total && sent < total * 2) {
    const want = Math.min(total, entries.length + batch);
    while (sent < want) {
      sent++;
      await tx.socket.send(Buffer.from([sent & 0xff]), { family: 'inet', address: '127.0.0.1', port });
    }
    while (entries.length < want) {
      const before = entries.length;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      if (entries.length === before) break; // an error not generated (rate limit): send more
    }
  }
  const refused = entries.filter((e) => e.code === 'ECONNREFUSED' && e.origin === 'icmp').length;
  // Still a working socket afterwards: a datagram to a live port arrives.
  const rx = udp();
  const arrived = new Promise<string>((resolve) => rx.socket.onMessage((m) => resolve(m.data.toString())));
  await tx.socket.send(Buffer.from('alive'), { family: 'inet', address: '127.0.0.1', port: rx.port });
  const after = await arrived;
  process.stdout.write(
    `${JSON.stringify({ sent, read: entries.length, refused, closed: tx.socket.closed, after })}\n`,
  );
  tx.socket.close();
  rx.socket.close();
}

if (mode === 'backpressure') {
  const limit = Number(process.argv[4]);
  const rx = udp();
  const tx = udp(false, limit);
  // The kernel's floor (SOCK_MIN_SNDBUF) is a few datagrams of this size.
  const c = constants();
  tx.socket.setOption(c.SOL_SOCKET!, c.SO_SNDBUF!, 1);
  const order: number[] = [];
  let expected = total;
  let wake: (() => void) | undefined;
  rx.socket.onMessage((m) => {
    order.push(m.data.readUInt32BE(0));
    if (order.length >= expected) wake?.();
  });
  let maxQueued = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: total }, (_, i) => {
      const payload = Buffer.alloc(1000);
      payload.writeUInt32BE(i, 0);
      const sent = tx.socket.send(payload, { family: 'inet', address: '127.0.0.1', port: rx.port });
      maxQueued = Math.max(maxQueued, tx.socket.queueLength);
      return sent;
    }),
  );
  const refused = outcomes.filter((o) => o.status === 'rejected');
  const delivered = outcomes.length - refused.length;
  expected = delivered;
  if (order.length < delivered)
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 20_000);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
      if (order.length === delivered) wake();
    });
  const codes = [...new Set(refused.map((o) => (o as PromiseRejectedResult).reason?.code))];
  const inOrder = order.every((v, i) => i === 0 || v > order[i - 1]!);
  process.stdout.write(
    `${JSON.stringify({ sent: delivered, refused: refused.length, codes, maxQueued, received: order.length, inOrder })}\n`,
  );
  tx.socket.close();
  rx.socket.close();
}
