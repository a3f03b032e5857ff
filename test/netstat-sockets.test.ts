import { type ChildProcess, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InetSocket, listSockets, type SocketRecord, type UnixSocket } from '@netdiag/socket-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadyChild, stopReadyChild } from './support/ready-child.js';

// Sockets this test opens itself, in the host namespace, must show up with the right fields. Other
// tests run beside this one, so these tests look only at the sockets they own (by port or path).

const startChild = startReadyChild;
const stopChild = stopReadyChild;

/** Lists until `ready` holds (the kernel moves bytes and states asynchronously), at most 50 times. */
async function listUntil(ready: (s: SocketRecord[]) => boolean, options: Parameters<typeof listSockets>[0]) {
  let sockets: SocketRecord[] = [];
  for (let i = 0; i < 50; i++) {
    sockets = (await listSockets(options)).sockets;
    if (ready(sockets)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sockets;
}

const once = <T>(emitter: NodeJS.EventEmitter, event: string) =>
  new Promise<T>((resolve) => emitter.once(event, (v: T) => resolve(v)));

describe.skipIf(process.platform !== 'linux')('listSockets: the sockets this test opens', () => {
  const closers: (() => unknown)[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netstat-test-'));
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const family of [4, 6] as const) {
    it(`TCP IPv${family}: listener, both ends of a connection, unread bytes in the queues, owner pid`, async () => {
      const host = family === 4 ? '127.0.0.1' : '::1';
      // pauseOnConnect: the server never reads, so what the client sends stays in the receive queue.
      const server = net.createServer({ pauseOnConnect: true });
      closers.push(() => server.close());
      server.listen(0, host);
      await once(server, 'listening');
      const port = (server.address() as net.AddressInfo).port;
      const accepted = once<net.Socket>(server, 'connection');
      const client = net.connect({ host, port });
      client.pause();
      closers.push(() => client.destroy());
      await once(client, 'connect');
      const serverSide = await accepted;
      closers.push(() => serverSide.destroy());
      client.write(Buffer.alloc(1000, 1));
      serverSide.write(Buffer.alloc(500, 2));

      // Ours by address and port: another test's socket may use the same port on another address.
      const mine = (s: SocketRecord): s is InetSocket =>
        s.protocol === 'tcp' &&
        ((s.localAddress === host && s.localPort === port) ||
          (s.remoteAddress === host && s.remotePort === port));
      const sockets = (
        await listUntil(
          (all) =>
            all.filter(mine).some((s) => s.receiveQueue === 1000) &&
            all.filter(mine).some((s) => s.receiveQueue === 500),
          { protocols: ['tcp'], families: [family], processes: true },
        )
      ).filter(mine);
      const clientPort = client.localPort!;
      const byRole = (local: number, remote: number) =>
        sockets.find((s) => s.localPort === local && s.remotePort === remote);
      expect(sockets).toHaveLength(3);
      expect(byRole(port, 0)).toMatchObject({ state: 'LISTEN', localAddress: host, family, receiveQueue: 0 });
      expect(byRole(port, clientPort)).toMatchObject({
        state: 'ESTABLISHED',
        localAddress: host,
        remoteAddress: host,
        receiveQueue: 1000,
        sendQueue: 0,
        uid: process.getuid!(),
      });
      expect(byRole(clientPort, port)).toMatchObject({
        state: 'ESTABLISHED',
        receiveQueue: 500,
        sendQueue: 0,
      });
      for (const s of sockets) {
        expect(s.owners.map((o) => o.pid)).toEqual([process.pid]);
        expect(s.inode).toBeGreaterThan(0);
      }
    });

    it(`UDP IPv${family}: a bound socket and a connected one, owner pid`, async () => {
      const host = family === 4 ? '127.0.0.1' : '::1';
      const bound = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      closers.push(() => bound.close());
      bound.bind(0, host);
      await once(bound, 'listening');
      const port = bound.address().port;
      const connected = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      closers.push(() => connected.close());
      connected.connect(port, host);
      await once(connected, 'connect');
      const sockets = (
        await listSockets({ protocols: ['udp'], families: [family], processes: true })
      ).sockets.filter(
        (s): s is InetSocket =>
          s.protocol === 'udp' &&
          ((s.localAddress === host && s.localPort === port) ||
            (s.remoteAddress === host && s.remotePort === port)),
      );
      expect(
        sockets.map((s) => [s.state, s.localAddress, s.localPort, s.remoteAddress, s.remotePort]).sort(),
      ).toEqual(
        [
          ['CLOSE', host, port, family === 4 ? '0.0.0.0' : '::', 0],
          ['ESTABLISHED', host, connected.address().port, host, port],
        ].sort(),
      );
      for (const s of sockets) expect(s.owners.map((o) => o.pid)).toEqual([process.pid]);
    });
  }

  it('UNIX stream (listener and both ends) and datagram sockets, with their owners', async () => {
    const path = join(dir, 'stream.sock');
    const server = net.createServer();
    closers.push(() => server.close());
    server.listen(path);
    await once(server, 'listening');
    const accepted = once<net.Socket>(server, 'connection');
    const client = net.connect(path);
    closers.push(() => client.destroy());
    await once(client, 'connect');
    closers.push(async () => (await accepted).destroy());
    await accepted;
    // Node has no UNIX datagram sockets: a Python child binds one (and holds a connected pair).
    const dgramPath = join(dir, 'dgram.sock');
    const py = await startChild([
      'python3',
      '-c',
      `import socket, sys, os, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
print(json.dumps({"pid": os.getpid(), "pair": [os.fstat(a.fileno()).st_ino, os.fstat(b.fileno()).st_ino]}), flush=True)
sys.stdin.read()`,
      dgramPath,
    ]);
    closers.push(() => stopChild(py.child));
    const listing = await listSockets({ protocols: ['unix'], processes: true });
    const unix = listing.sockets as UnixSocket[];
    const listener = unix.find((s) => s.path === path && s.state === 'LISTEN');
    expect(listener).toMatchObject({
      type: 'stream',
      owners: [expect.objectContaining({ pid: process.pid })],
    });
    // The accepted end carries the listener's path; the client end has none. Both belong to us.
    const connectedOurs = unix.filter(
      (s) => s.type === 'stream' && s.state === 'CONNECTED' && s.owners.some((o) => o.pid === process.pid),
    );
    expect(connectedOurs.some((s) => s.path === path)).toBe(true);
    expect(unix.find((s) => s.path === dgramPath)).toMatchObject({
      type: 'dgram',
      state: 'UNCONNECTED',
      owners: [expect.objectContaining({ pid: py.info.pid, command: 'python3' })],
    });
    const pair = (py.info.pair as number[]).map((ino) => unix.find((s) => s.inode === ino));
    for (const s of pair)
      expect(s).toMatchObject({
        type: 'dgram',
        state: 'CONNECTED',
        path: null,
        owners: [expect.objectContaining({ pid: py.info.pid })],
      });
  });
});

// ---- 10,000 loopback connections ----

/** The client side of many connections, in a child process: fds are limited per process (ulimit -n). */
const CLIENTS = `
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
const sockets = [];
let open = 0, started = 0;
const next = () => {
  if (started >= count) return;
  started++;
  const s = net.connect({ port, host: '127.0.0.1' }, () => {
    sockets.push(s);
    if (++open === count) console.log(JSON.stringify({ pid: process.pid, open }));
    else next();
  });
  s.on('error', (e) => { console.error('client error', e.message); process.exit(3); });
};
for (let i = 0; i < 200; i++) next();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

describe.skipIf(process.platform !== 'linux')('listSockets: 10,000 loopback TCP connections', () => {
  const COUNT = 10_000;
  let server: net.Server;
  let clients: ChildProcess | undefined;
  const accepted: net.Socket[] = [];
  afterAll(async () => {
    await stopChild(clients);
    for (const s of accepted) s.destroy();
    server?.close();
  });

  it('lists every connection at both ends, each with its process, and agrees with ss -tanp', async () => {
    const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString());
    // This process holds the listener and the accepted ends; the child holds the client ends.
    expect(limit, 'ulimit -n must allow 10,000 sockets plus the test runner').toBeGreaterThan(COUNT + 500);
    server = net.createServer((s) => accepted.push(s));
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const started = await startChild([process.execPath, '-e', CLIENTS, String(port), String(COUNT)]);
    clients = started.child;
    const childPid = started.info.pid as number;
    for (let i = 0; i < 3000 && accepted.length < COUNT; i++) await new Promise((r) => setTimeout(r, 20));
    expect(accepted.length).toBe(COUNT);

    const filter = ['(', 'sport', '=', `:${port}`, 'or', 'dport', '=', `:${port}`, ')'];
    const { sockets } = await listSockets({ protocols: ['tcp'], families: [4], processes: true, filter });
    const inet = sockets as InetSocket[];
    const loopback = (a: string) => a === '127.0.0.1';
    const serverEnds = inet.filter(
      (s) => loopback(s.localAddress) && s.localPort === port && s.state === 'ESTABLISHED',
    );
    const clientEnds = inet.filter(
      (s) => loopback(s.remoteAddress) && s.remotePort === port && s.state === 'ESTABLISHED',
    );
    expect(serverEnds).toHaveLength(COUNT);
    expect(clientEnds).toHaveLength(COUNT);
    expect(serverEnds.every((s) => s.owners.length === 1 && s.owners[0]!.pid === process.pid)).toBe(true);
    expect(clientEnds.every((s) => s.owners.length === 1 && s.owners[0]!.pid === childPid)).toBe(true);
    expect(new Set(clientEnds.map((s) => s.localPort)).size).toBe(COUNT);

    // The same set as ss reports, socket by socket: state, both endpoints and the owner's pid.
    const ss = execFileSync('ss', ['-tanpH', `( sport = :${port} or dport = :${port} )`], {
      maxBuffer: 64 << 20,
    })
      .toString()
      .trim()
      .split('\n');
    const fromSs = ss.map((line) => {
      const f = line.trim().split(/\s+/);
      const pid = /pid=(\d+)/.exec(line)?.[1] ?? '-';
      return `${f[0] === 'ESTAB' ? 'ESTABLISHED' : f[0]} ${f[3]} ${f[4]!.replace(/:\*$/, ':0')} ${pid}`;
    });
    const ours = inet.map(
      (s) =>
        `${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.owners[0]?.pid ?? '-'}`,
    );
    expect(ours.sort()).toEqual(fromSs.sort());
  });
});
