import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  counterDelta,
  type InetSocket,
  listSockets,
  type Route,
  readCounters,
  readRoutes,
} from '@netdiag/socket-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadyChild, stopReadyChild } from './support/ready-child.js';

// A namespace of our own: nothing else opens sockets, routes or sends packets in it, so the
// listing can equal ss's, the routes ip's, and the counters move by exactly what we send.
// Addresses: 192.0.2.0/24, 198.51.100.0/24, 198.18.0.0/15 and 2001:db8::/32 only.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const ns = `nd${randomBytes(3).toString('hex')}-ns`;
const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]).toString();
const inNs = (argv: string[]) =>
  execFileSync('ip', ['netns', 'exec', ns, ...argv], { maxBuffer: 64 << 20 }).toString();

/** A helper process inside the namespace (see startReadyChild). */
const startInNs = (argv: readonly string[]) => startReadyChild(['ip', 'netns', 'exec', ns, ...argv]);
const stop = stopReadyChild;

/** A process that only holds the namespace: /proc/PID/net is then the namespace's /proc/net. */
const HOLDER = `console.log(JSON.stringify({ pid: process.pid })); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;

describe.skipIf(process.getuid?.() !== 0)('netstat in a namespace of its own', () => {
  const children: ChildProcess[] = [];
  let netDir: string;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    ip('link', 'set', 'lo', 'up');
    // No dummy module here: a veth pair with both ends in the namespace gives d0 a carrier.
    ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    ip('link', 'set', 'd1', 'up');
    ip('link', 'set', 'd0', 'up');
    ip('addr', 'add', '192.0.2.1/24', 'dev', 'd0');
    ip('-6', 'addr', 'add', '2001:db8::1/64', 'dev', 'd0', 'nodad');
    ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'metric', '50');
    ip('route', 'add', '198.51.100.77', 'via', '192.0.2.253');
    ip('route', 'add', 'default', 'via', '192.0.2.254');
    ip('route', 'add', 'unreachable', '198.18.0.0/15');
    ip('-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::fe', 'metric', '300');
    ip('-6', 'route', 'add', '2001:db8:3::7', 'via', '2001:db8::fd');
    ip('-6', 'route', 'add', 'default', 'via', '2001:db8::fe');
    ip('-6', 'route', 'add', 'unreachable', '2001:db8:2::/48');
    const holder = await startInNs([process.execPath, '-e', HOLDER]);
    children.push(holder.child);
    netDir = `/proc/${holder.info.pid}/net`;
    expect(
      execFileSync('ip', ['netns', 'identify', String(holder.info.pid)])
        .toString()
        .trim(),
    ).toBe(ns);
  });

  afterAll(async () => {
    for (const c of children) await stop(c);
    execFileSync('ip', ['netns', 'del', ns]);
  });

  // ---- routes ----

  /** A route the way `ip -j route` writes it, reduced to what both sides know. */
  const ipForm = (r: { type?: string; dst: string; gateway?: string; dev?: string; metric?: number }) =>
    `${r.type ?? 'unicast'} ${r.dst} via ${r.gateway ?? '-'} dev ${r.dev ?? '-'} metric ${r.metric ?? 0}`;
  const ourForm = (r: Route) => {
    const host = r.prefixLength === (r.family === 4 ? 32 : 128);
    const dst =
      r.prefixLength === 0 ? 'default' : host ? r.destination : `${r.destination}/${r.prefixLength}`;
    // ip shows no device for an IPv4 reject route (the kernel has none; /proc prints '*').
    const dev = r.device === '*' ? undefined : r.device;
    return ipForm({
      type: r.type,
      dst,
      ...(r.gateway && { gateway: r.gateway }),
      ...(dev && { dev }),
      metric: r.metric,
    });
  };
  const ipJson = (...args: string[]) =>
    (JSON.parse(ip('-j', ...args)) as Parameters<typeof ipForm>[0][]).map(ipForm).sort();

  it('IPv4 routes equal ip -j route', () => {
    const { routes, issues } = readRoutes({ netDir, families: [4] });
    expect(issues).toEqual([]);
    const ours = routes.map(ourForm).sort();
    expect(ours).toEqual(ipJson('route'));
    expect(ours).toContain('unicast 198.51.100.0/24 via 192.0.2.254 dev d0 metric 50');
    expect(ours).toContain('unreachable 198.18.0.0/15 via - dev - metric 0');
  });

  it('IPv6 routes equal ip -6 -j route (main table) and ip -6 -j route show table local', () => {
    const { routes, issues } = readRoutes({ netDir, families: [6] });
    expect(issues).toEqual([]);
    const main = routes
      .filter((r) => r.table === 'main')
      .map(ourForm)
      .sort();
    expect(main).toEqual(ipJson('-6', 'route'));
    expect(main).toContain('unicast 2001:db8:1::/48 via 2001:db8::fe dev d0 metric 300');
    expect(main).toContain('unicast 2001:db8:3::7 via 2001:db8::fd dev d0 metric 1024');
    expect(main).toContain('unreachable 2001:db8:2::/48 via - dev lo metric 1024');
    const local = routes
      .filter((r) => r.table === 'local')
      .map(ourForm)
      .sort();
    expect(local).toEqual(ipJson('-6', 'route', 'show', 'table', 'local'));
  });

  it('netdiag netstat -r --json in the namespace prints the same routes', () => {
    expect(existsSync(cli), 'build first: npm run build').toBe(true);
    const lines = inNs([process.execPath, cli, 'netstat', '-r', '--json']).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as Route)).toEqual(readRoutes({ netDir }).routes);
    const text = inNs([process.execPath, cli, 'netstat', '-rn', '-4']);
    expect(text).toMatch(/^198\.51\.100\.0 +192\.0\.2\.254 +255\.255\.255\.0 +UG +0 0 +0 d0$/m);
  });

  // ---- sockets, compared with ss ----

  const OPENER = `
const net = require('node:net');
const dgram = require('node:dgram');
const keep = [];
const listen = (opts, server = net.createServer({ pauseOnConnect: true }, (s) => keep.push(s))) =>
  new Promise((r) => server.listen(opts, () => r(keep.push(server))));
const connect = (port, host) => new Promise((r) => { const s = net.connect({ port, host }, () => r(s)); s.pause(); keep.push(s); });
(async () => {
  await listen({ port: 8080, host: '0.0.0.0' });
  await listen({ port: 8081, host: '::' });
  await listen({ port: 8082, host: '127.0.0.1' });
  await listen({ port: 8083, host: '::1', ipv6Only: true });
  const a = await connect(8080, '127.0.0.1');
  a.write(Buffer.alloc(777));
  await connect(8081, '127.0.0.1');
  await connect(8081, '::1');
  await connect(8083, '::1');
  const gone = await connect(8082, '127.0.0.1');
  gone.destroy();
  const u4 = dgram.createSocket('udp4'); await new Promise((r) => u4.bind(5353, '0.0.0.0', r)); keep.push(u4);
  const u6 = dgram.createSocket({ type: 'udp6', ipv6Only: true }); await new Promise((r) => u6.bind(5354, '::1', r)); keep.push(u6);
  const c6 = dgram.createSocket('udp6'); await new Promise((r) => c6.connect(5354, '::1', r)); keep.push(c6);
  setTimeout(() => console.log(JSON.stringify({ pid: process.pid })), 200);
})();
process.stdin.resume(); process.stdin.on('end', () => process.exit(0));
`;

  const SS_STATES: Readonly<Record<string, string>> = {
    ESTAB: 'ESTABLISHED',
    UNCONN: 'CLOSE',
    'TIME-WAIT': 'TIME_WAIT',
    'SYN-SENT': 'SYN_SENT',
    'SYN-RECV': 'SYN_RECV',
    'FIN-WAIT-1': 'FIN_WAIT1',
    'FIN-WAIT-2': 'FIN_WAIT2',
    'CLOSE-WAIT': 'CLOSE_WAIT',
    'LAST-ACK': 'LAST_ACK',
  };
  /** ss writes a wildcard as `*`, `0.0.0.0` or `[::]` depending on family and v6only; both sides write `*`. */
  const wildcard = (a: string) =>
    a === '*' || a === '0.0.0.0' || a === '::' || a === '[::]' ? '*' : a.replace(/^\[(.*)\]$/, '$1');
  const splitEndpoint = (e: string) => {
    const i = e.lastIndexOf(':');
    const port = e.slice(i + 1);
    return `${wildcard(e.slice(0, i))}:${port === '*' ? 0 : port}`;
  };
  const form = (
    proto: string,
    state: string,
    recvQ: number,
    sendQ: number,
    local: string,
    peer: string,
    pids: string,
  ) =>
    // ss shows a listener's backlog as Send-Q where /proc has 0: compare Send-Q for the others only.
    `${proto} ${state} ${recvQ} ${state === 'LISTEN' ? '-' : sendQ} ${local} ${peer} ${pids}`;

  it('TCP and UDP sockets equal ss -tuanp, owners included', async () => {
    const opener = await startInNs([process.execPath, '-e', OPENER]);
    children.push(opener.child);
    const ssLines = inNs(['ss', '-tuanpH']).trim().split('\n');
    const { sockets } = await listSockets({ netDir, protocols: ['tcp', 'udp'], processes: true });
    const fromSs = ssLines
      .map((line) => {
        const f = line.trim().split(/\s+/);
        const pids =
          [...line.matchAll(/pid=(\d+)/g)]
            .map((m) => m[1])
            .sort()
            .join(',') || '-';
        return form(
          f[0]!,
          SS_STATES[f[1]!] ?? f[1]!,
          Number(f[2]),
          Number(f[3]),
          splitEndpoint(f[4]!),
          splitEndpoint(f[5]!),
          pids,
        );
      })
      .sort();
    const ours = (sockets as InetSocket[])
      .map((s) =>
        form(
          s.protocol,
          s.state,
          s.receiveQueue,
          s.sendQueue,
          `${wildcard(s.localAddress)}:${s.localPort}`,
          `${wildcard(s.remoteAddress)}:${s.remotePort}`,
          [...new Set(s.owners.map((o) => String(o.pid)))].sort().join(',') || '-',
        ),
      )
      .sort();
    expect(ours).toEqual(fromSs);
    // And the listing holds what the opener opened, as the opener's.
    const pid = String(opener.info.pid);
    expect(ours).toEqual(
      expect.arrayContaining([
        `tcp LISTEN 0 - *:8080 *:0 ${pid}`,
        `tcp LISTEN 0 - ::1:8083 *:0 ${pid}`,
        expect.stringMatching(
          new RegExp(`^tcp ESTABLISHED 777 0 127\\.0\\.0\\.1:8080 127\\.0\\.0\\.1:\\d+ ${pid}$`),
        ),
        expect.stringMatching(/^tcp ESTABLISHED 0 0 ::ffff:127\.0\.0\.1:8081 ::ffff:127\.0\.0\.1:\d+ \d+$/),
        // The closed client end: orphaned in FIN_WAIT2 (no owner), its peer never read the FIN.
        expect.stringMatching(/^tcp FIN_WAIT2 0 0 127\.0\.0\.1:\d+ 127\.0\.0\.1:8082 -$/),
        expect.stringMatching(
          new RegExp(`^tcp CLOSE_WAIT 1 0 127\\.0\\.0\\.1:8082 127\\.0\\.0\\.1:\\d+ ${pid}$`),
        ),
        `udp CLOSE 0 0 *:5353 *:0 ${pid}`,
        expect.stringMatching(new RegExp(`^udp ESTABLISHED 0 0 ::1:\\d+ ::1:5354 ${pid}$`)),
      ]),
    );
    await stop(opener.child);
  });

  // ---- counters ----

  const SENDER = `
const dgram = require('node:dgram');
const net = require('node:net');
const [n4, n6] = process.argv.slice(1).map(Number);
const burst = (type, host, n) => new Promise((done) => {
  const s = dgram.createSocket(type);
  let got = 0;
  s.on('message', () => { if (++got === n) { s.close(); done(); } });
  s.bind(0, host, () => { for (let i = 0; i < n; i++) s.send(Buffer.alloc(10), s.address().port, host); });
});
(async () => {
  await burst('udp4', '127.0.0.1', n4);
  await burst('udp6', '::1', n6);
  const server = net.createServer((c) => c.end());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await new Promise((r) => net.connect(server.address().port, '127.0.0.1').on('close', r).resume());
  server.close();
  console.log(JSON.stringify({ done: true }));
})();
`;

  it('counters move by what the test sent (UDP, UDP6, TCP opens)', async () => {
    const before = readCounters({ netDir });
    expect(before.issues).toEqual([]);
    const sender = await startInNs([process.execPath, '-e', SENDER, '37', '23']);
    await stop(sender.child);
    const d = counterDelta(before.counters, readCounters({ netDir }).counters);
    expect(d.Udp).toMatchObject({ InDatagrams: 37, OutDatagrams: 37, NoPorts: 0 });
    expect(d.Udp6).toMatchObject({ InDatagrams: 23, OutDatagrams: 23, NoPorts: 0 });
    expect(d.Tcp).toMatchObject({ ActiveOpens: 1, PassiveOpens: 1 });
    // The same numbers through the CLI: -s -u --json in the namespace.
    const viaCli = JSON.parse(inNs([process.execPath, cli, 'netstat', '-s', '-u', '--json'])) as Record<
      string,
      Record<string, number>
    >;
    expect(viaCli.Udp!.InDatagrams).toBe(readCounters({ netDir }).counters.Udp!.InDatagrams);
    expect(Object.keys(viaCli).sort()).toEqual(['Udp', 'Udp6', 'UdpLite', 'UdpLite6']);
  });
});
