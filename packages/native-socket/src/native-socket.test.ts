import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { type ErrorQueueEntry, type Message, type NativeSocket, open, SocketError } from './index.js';

const CHILD = fileURLToPath(new URL('./child.testkit.ts', import.meta.url));
const opened: NativeSocket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function udp(options: { errorQueue?: boolean; receiveBufferBytes?: number; reuseMessage?: boolean } = {}): {
  socket: NativeSocket;
  port: number;
} {
  const socket = open({ domain: 'inet', type: 'dgram', protocol: 0, ...options });
  opened.push(socket);
  socket.bind({ family: 'inet', address: '127.0.0.1', port: 0 });
  const local = socket.localAddress();
  if (local?.family !== 'inet') throw new Error('no local address');
  return { socket, port: local.port };
}

function next<T>(subscribe: (l: (v: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => {
      off();
      resolve(v);
    });
  });
}

describe('native socket on loopback UDP', () => {
  it('delivers data, source, per-packet TTL, interface and a kernel timestamp between send and delivery', async () => {
    const rx = udp();
    const tx = udp();
    const arrived = next<Message>((l) => rx.socket.onMessage(l));
    const sentAt = await tx.socket.send(
      Buffer.from('hello'),
      { family: 'inet', address: '127.0.0.1', port: rx.port },
      { ttl: 7 },
    );
    const m = await arrived;
    const deliveredAt = process.hrtime.bigint();
    expect(m.data.toString()).toBe('hello');
    expect(m.from).toEqual({ family: 'inet', address: '127.0.0.1', port: tx.port });
    // The TTL went as a control message with this datagram; IP_RECVTTL reads it back.
    expect(m.hopLimit).toBe(7);
    expect(m.ifindex).toBe(Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8')));
    expect(m.kernelTimestamp).toBe(true);
    expect(m.receivedAt).toBeGreaterThan(sentAt);
    expect(m.receivedAt).toBeLessThan(deliveredAt);
    expect(m.truncated).toBe(false);
  });

  it('reuseMessage: one message object, refilled per datagram with its own data, sender and kernel time; trySend times each send without a promise', async () => {
    const rx = udp({ reuseMessage: true, receiveBufferBytes: 64 });
    const txA = udp();
    const txB = udp();
    const to = { family: 'inet', address: '127.0.0.1', port: rx.port } as const;
    const seen: {
      message: Message;
      text: string;
      port: number | undefined;
      at: bigint;
      hr: [number, number];
    }[] = [];
    const all = new Promise<void>((resolve) =>
      rx.socket.onMessage((m) => {
        const hr = m.receivedHrtime ?? [-1, -1];
        seen.push({
          message: m,
          text: m.data.toString(),
          port: m.from?.family === 'inet' ? m.from.port : undefined,
          at: m.receivedAt,
          hr: [hr[0], hr[1]],
        });
        if (seen.length === 4) resolve();
      }),
    );
    const sent: bigint[] = [];
    const texts = ['one', 'three', 'x'.repeat(100), 'four'];
    for (const [i, text] of texts.entries()) {
      const tx = i % 2 === 0 ? txA : txB;
      expect(tx.socket.trySend(Buffer.from(text), to, i === 1 ? { ttl: 9 } : undefined)).toBe(true);
      const [s, ns] = tx.socket.lastSentAt;
      sent.push(BigInt(s) * 1_000_000_000n + BigInt(ns));
      // Apart, so that each is read in a wake-up of its own or not: delivery must not depend on it.
      await new Promise((r) => setTimeout(r, 2));
    }
    await all;
    const after = process.hrtime.bigint();
    expect(new Set(seen.map((s) => s.message)).size).toBe(1);
    expect(seen.map((s) => s.text)).toEqual(['one', 'three', 'x'.repeat(64), 'four']);
    expect(seen.map((s) => s.port)).toEqual([txA.port, txB.port, txA.port, txB.port]);
    for (const [i, s] of seen.entries()) {
      expect(s.at).toBe(BigInt(s.hr[0]) * 1_000_000_000n + BigInt(s.hr[1]));
      expect(s.at).toBeGreaterThan(sent[i]!);
      expect(s.at).toBeLessThan(i + 1 < sent.length ? sent[i + 1]! : after);
    }
    expect(seen[0]!.message.truncated).toBe(false);
    expect(rx.socket.closed).toBe(false);
  });

  it('reuseMessage: a message past the receive buffer arrives cut and marked truncated', async () => {
    const rx = udp({ reuseMessage: true, receiveBufferBytes: 64 });
    const tx = udp();
    const arrived = new Promise<[string, boolean, number | undefined]>((resolve) => {
      const off = rx.socket.onMessage((m) => {
        off();
        resolve([m.data.toString(), m.truncated, m.hopLimit]);
      });
    });
    tx.socket.trySend(
      Buffer.from('y'.repeat(200)),
      { family: 'inet', address: '127.0.0.1', port: rx.port },
      { ttl: 5 },
    );
    expect(await arrived).toEqual(['y'.repeat(64), true, 5]);
  });

  it('per-packet TTLs on one socket never leak into each other', async () => {
    const rx = udp();
    const tx = udp();
    const seen: number[] = [];
    const all = new Promise<void>((resolve) =>
      rx.socket.onMessage((m) => {
        seen.push(m.hopLimit ?? -1);
        if (seen.length === 40) resolve();
      }),
    );
    const ttls = Array.from({ length: 40 }, (_, i) => 1 + ((i * 37) % 255));
    await Promise.all(
      ttls.map((ttl) =>
        tx.socket.send(Buffer.from([ttl]), { family: 'inet', address: '127.0.0.1', port: rx.port }, { ttl }),
      ),
    );
    await all;
    expect(seen).toEqual(ttls);
  });

  it('IPv6: hop limit and traffic class per packet', async () => {
    const rx = open({ domain: 'inet6', type: 'dgram', protocol: 0 });
    const tx = open({ domain: 'inet6', type: 'dgram', protocol: 0 });
    opened.push(rx, tx);
    rx.bind({ family: 'inet6', address: '::1', port: 0 });
    const port = (rx.localAddress() as { port: number }).port;
    const arrived = next<Message>((l) => rx.onMessage(l));
    await tx.send(Buffer.from('six'), { family: 'inet6', address: '::1', port }, { ttl: 3, tos: 0x20 });
    const m = await arrived;
    expect(m.hopLimit).toBe(3);
    expect(m.from?.family).toBe('inet6');
    expect(m.kernelTimestamp).toBe(true);
  });

  it('flags a datagram longer than the receive buffer as truncated', async () => {
    const rx = udp({ receiveBufferBytes: 64 });
    const tx = udp();
    const arrived = next<Message>((l) => rx.socket.onMessage(l));
    await tx.socket.send(Buffer.alloc(200, 1), { family: 'inet', address: '127.0.0.1', port: rx.port });
    const m = await arrived;
    expect(m.truncated).toBe(true);
    expect(m.data.length).toBe(64);
  });

  it('reads ICMP port unreachable from the error queue and stays open', async () => {
    const closed = udp();
    const closedPort = closed.port;
    closed.socket.close();
    const tx = udp({ errorQueue: true });
    const rounds = 200;
    const entries: ErrorQueueEntry[] = [];
    for (let i = 0; i < rounds; i++) {
      const entry = next<ErrorQueueEntry>((l) => tx.socket.onErrorQueue(l));
      await tx.socket.send(Buffer.from([i & 0xff]), {
        family: 'inet',
        address: '127.0.0.1',
        port: closedPort,
      });
      entries.push(await entry);
    }
    expect(entries).toHaveLength(rounds);
    const e = entries[rounds - 1]!;
    expect(e).toMatchObject({
      code: 'ECONNREFUSED',
      origin: 'icmp',
      icmpType: 3,
      icmpCode: 3,
      kernelTimestamp: true,
    });
    expect(e.offender).toMatchObject({ family: 'inet', address: '127.0.0.1' });
    expect(e.destination).toMatchObject({ family: 'inet', address: '127.0.0.1', port: closedPort });
    // The quoted original payload: the one byte we sent last.
    expect([...e.payload]).toEqual([(rounds - 1) & 0xff]);
    expect(tx.socket.closed).toBe(false);
    // Still receives after all those errors.
    const rx = udp();
    const arrived = next<Message>((l) => rx.socket.onMessage(l));
    await tx.socket.send(Buffer.from('still here'), { family: 'inet', address: '127.0.0.1', port: rx.port });
    expect((await arrived).data.toString()).toBe('still here');
  });

  it('errors carry code, errno and syscall', () => {
    const a = udp();
    expect(() =>
      open({ domain: 'inet', type: 'dgram', protocol: 0 }).bind({
        family: 'inet',
        address: '127.0.0.1',
        port: a.port,
      }),
    ).toThrow(expect.objectContaining({ code: 'EADDRINUSE', errno: 98, syscall: 'bind' }));
    try {
      a.socket.connect({ family: 'inet', address: '192.0.2.1', port: 0 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SocketError);
    }
  });

  it('rejects a send on a closed socket with EBADF', async () => {
    const a = udp();
    a.socket.close();
    await expect(
      a.socket.send(Buffer.from('x'), { family: 'inet', address: '127.0.0.1', port: 9 }),
    ).rejects.toMatchObject({ code: 'EBADF' });
  });
});

function runChild(mode: string): { exited: Promise<number | null>; port: Promise<number>; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let resolvePort: (p: number) => void;
  const port = new Promise<number>((r) => {
    resolvePort = r;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      lines.push(line);
      if (lines.length === 1) resolvePort(Number(line));
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exited, port, lines };
}

describe('native socket and the event loop', () => {
  it('an unreferenced open socket lets the process exit', async () => {
    const child = runChild('unref');
    expect(await child.exited).toBe(0);
  });

  it('a referenced socket keeps the process alive until it is closed', async () => {
    const child = runChild('ref');
    const port = await child.port;
    const tx = udp();
    // The child is still there to receive this only if its socket kept it alive.
    await tx.socket.send(Buffer.from('go'), { family: 'inet', address: '127.0.0.1', port });
    expect(await child.exited).toBe(0);
    expect(child.lines).toContain('received');
  });

  it('works in a worker thread, and the worker exits with the socket left open', async () => {
    // The worker registers tsx for itself, then runs the TypeScript child.
    const code = `const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(new URL('./child.testkit.ts', import.meta.url).href)});`;
    const worker = new Worker(code, { eval: true, workerData: { mode: 'echo' } });
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(message).toEqual({ data: 'from a worker', kernelTimestamp: true, hopLimit: 9 });
    expect(await new Promise((resolve) => worker.once('exit', resolve))).toBe(0);
  });
});
