import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The native socket under volume, each run in a child process of its own (with --expose-gc):
// a million received datagrams leave memory flat; ten thousand ICMP errors read from the error
// queue leave the socket open and working.

const child = fileURLToPath(new URL('./native-socket-volume.child.ts', import.meta.url));
const MiB = 1 << 20;

/** Runs the child (after `prefix`, e.g. `ip netns exec NS`) and returns its JSON line. */
function run(args: readonly string[], prefix: readonly string[] = []): Record<string, unknown> {
  const argv = [...prefix, process.execPath, '--expose-gc', '--import', 'tsx', child, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 110_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('native socket volume', () => {
  it('1,000,000 received datagrams leave memory flat', () => {
    const total = 1_000_000;
    type Memory = { rss: number; heapTotal: number; heapUsed: number; external: number; outsideHeap: number };
    const r = run(['datagrams', `${total}`]) as {
      received: number;
      rate: number;
      baseline: Memory;
      final: Memory;
    };
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(
      `1e6 datagrams at ${Math.round(r.rate)}/s on Node ${process.versions.node}: rss ${mib(r.baseline.rss)} -> ${mib(r.final.rss)} MiB, V8 heap committed ${mib(r.baseline.heapTotal)} -> ${mib(r.final.heapTotal)}, used ${mib(r.baseline.heapUsed)} -> ${mib(r.final.heapUsed)}, outside the heap ${mib(r.baseline.outsideHeap)} -> ${mib(r.final.outsideHeap)} MiB`,
    );
    expect(r.received).toBe(total);
    // Memory after 100,000 datagrams against after 1,000,000: a leak of even 16 bytes per
    // datagram would show as 14 MiB. Not RSS itself: it holds the heap V8 has committed, and under
    // this allocation rate V8 grows the young generation and keeps it after a full collection
    // (new space 104 MiB on Node 24 here, 27 MiB on Node 20): capacity, bounded by V8 (2,000,000
    // datagrams end at the same RSS as 1,000,000), not a leak. What the addon or Node could leak
    // is outside the heap (malloc'd) or live in it (heapUsed), or array buffers (external).
    expect(r.final.outsideHeap - r.baseline.outsideHeap).toBeLessThan(8 * MiB);
    expect(r.final.heapUsed - r.baseline.heapUsed).toBeLessThan(2 * MiB);
    expect(r.final.external - r.baseline.external).toBeLessThan(2 * MiB);
  }, 120_000);
});

describe.skipIf(process.getuid?.() !== 0)('native socket error queue under volume', () => {
  // A namespace of our own with ICMP rate limiting off, so that every datagram to a closed port
  // is answered by a port unreachable.
  const ns = `nd${randomBytes(3).toString('hex')}-eq`;
  let created = false;
  afterAll(() => {
    if (created) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('10,000 ICMP errors read from the error queue leave the socket open', () => {
    execFileSync('ip', ['netns', 'add', ns]);
    created = true;
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratemask=0']);
    const r = run(['errors', '10000'], ['ip', 'netns', 'exec', ns]);
    expect(r).toEqual({ sent: 10_000, read: 10_000, refused: 10_000, closed: false, after: 'alive' });
  }, 120_000);
});

describe.skipIf(process.getuid?.() !== 0)('native socket send queue (EAGAIN) under back-pressure', () => {
  // A namespace of our own whose loopback a token bucket slows to 2 Mbit/s: datagrams sent at
  // once fill the socket's send buffer, and the kernel answers EAGAIN.
  const ns = `nd${randomBytes(3).toString('hex')}-bp`;
  let created = false;
  afterAll(() => {
    if (created) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('queues what the kernel refuses, sends it in order as the buffer drains, and says EAGAIN past the limit', () => {
    execFileSync('ip', ['netns', 'add', ns]);
    created = true;
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', [
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'tbf',
      'rate',
      '2mbit',
      'burst',
      '1600',
      'latency',
      '10s',
    ]);
    const inside = ['ip', 'netns', 'exec', ns];
    // Within the queue's limit: every datagram goes out and arrives, in the order sent, though
    // most of them waited in the socket's queue.
    const queued = run(['backpressure', '300', '1024'], inside);
    expect(queued).toMatchObject({ sent: 300, refused: 0, received: 300, inOrder: true });
    expect(queued.maxQueued as number).toBeGreaterThan(250);
    // Past it: the sends the queue cannot take fail with EAGAIN at once; the rest still arrive.
    const limited = run(['backpressure', '300', '50'], inside);
    expect(limited).toMatchObject({ codes: ['EAGAIN'], maxQueued: 50, inOrder: true });
    expect(limited.refused as number).toBeGreaterThan(200);
    expect(limited.received).toBe(limited.sent);
  }, 120_000);
});
