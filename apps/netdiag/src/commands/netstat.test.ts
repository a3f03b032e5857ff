import net from 'node:net';
import { Writable } from 'node:stream';
import {
  INET_PROTOCOLS,
  InetColumns,
  type InetSocket,
  inetState,
  type Route,
  type UnixSocket,
} from '@netdiag/socket-list';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import {
  formatRoutes,
  formatSockets,
  inetHeader,
  inetRow,
  inetTable,
  keepRole,
  layout,
  parseNetstatArgs,
  printable,
  run,
  unixRow,
} from './netstat.js';
import { inetColumnsTable } from './netstat-inet-bytes.js';

function captureIo(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: process.stdin,
    env: {},
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

const tcp = (o: Partial<InetSocket> = {}): InetSocket => ({
  protocol: 'tcp',
  family: 6,
  state: 'ESTABLISHED',
  stateCode: 1,
  localAddress: '2001:db8::1',
  localPort: 443,
  remoteAddress: '2001:db8::2',
  remotePort: 50_000,
  sendQueue: 5,
  receiveQueue: 7,
  uid: 1000,
  timer: { kind: 'retransmit', expiresMs: 200, retransmits: 1, probes: 0 },
  inode: 4242,
  owners: [{ pid: 99, command: 'ev\x1b[2Jil', fd: 3 }],
  ...o,
});

describe('parseNetstatArgs', () => {
  it('maps netstat flags to protocols, families, role and columns', () => {
    expect(parseNetstatArgs(['-tulpn'])).toMatchObject({
      mode: 'sockets',
      protocols: ['tcp', 'udp'],
      role: 'listening',
      programs: true,
    });
    expect(parseNetstatArgs([])).toMatchObject({
      protocols: ['tcp', 'udp', 'raw', 'unix'],
      families: [4, 6],
      role: 'connected',
    });
    expect(parseNetstatArgs(['-4'])).toMatchObject({ protocols: ['tcp', 'udp', 'raw'], families: [4] });
    expect(parseNetstatArgs(['-xa'])).toMatchObject({ protocols: ['unix'], role: 'all' });
    expect(parseNetstatArgs(['-rn'])).toMatchObject({ mode: 'routes' });
    expect(parseNetstatArgs(['-s', '-t'])).toMatchObject({ mode: 'counters', protocols: ['tcp'] });
    expect(parseNetstatArgs(['-c', '--interval', '0.5'])).toMatchObject({
      continuous: true,
      intervalMs: 500,
    });
    // netstat's long options
    expect(
      parseNetstatArgs(['--tcp', '--listening', '--program', '--numeric', '--inet6', '--wide']),
    ).toMatchObject({
      protocols: ['tcp'],
      families: [6],
      role: 'listening',
      programs: true,
    });
  });

  it('takes an ss filter; a state filter implies all roles', () => {
    const o = parseNetstatArgs([
      '-t',
      'state',
      'listening',
      '(',
      'sport',
      '=',
      ':22',
      'or',
      'sport',
      '=',
      ':443',
      ')',
    ]);
    expect(o.role).toBe('all');
    expect(o.filter?.states).toEqual(new Set(['LISTEN']));
    expect(parseNetstatArgs(['-t', 'dport', '=', ':443']).role).toBe('connected');
  });

  it('bad input is one UsageError line', () => {
    for (const args of [
      ['--frob'],
      ['-r', '-s'],
      ['-4', '-6'],
      ['--interval', '1'],
      ['-c', '--interval', 'x'],
      ['state', 'bogus'],
      ['-r', 'sport', '=', ':1'],
    ]) {
      expect(() => parseNetstatArgs(args), args.join(' ')).toThrow(UsageError);
    }
    expect(() => parseNetstatArgs(['state', 'bogus'])).toThrow(/unknown state 'bogus'/);
  });
});

describe('netstat columns', () => {
  it('escapes control characters in kernel text', () => {
    expect(printable('ev\x1b[2Jil\n\x7f\u0085ok')).toBe('ev\\x1b[2Jil\\x0a\\x7f\\x85ok');
  });

  it('an inet row: queues, endpoints, state, user/inode, owner, timer', () => {
    expect(inetRow(tcp(), { programs: true, extend: true, timers: true })).toEqual([
      'tcp6',
      '7',
      '5',
      '2001:db8::1:443',
      '2001:db8::2:50000',
      'ESTABLISHED',
      '1000',
      '4242',
      '99/ev\\x1b[2Jil',
      'retransmit (0.20/1/0)',
    ]);
    expect(
      inetRow(tcp({ protocol: 'udp', family: 4, state: 'CLOSE', remotePort: 0, owners: [] }), {
        programs: true,
        extend: false,
        timers: false,
      }),
    ).toEqual(['udp', '7', '5', '2001:db8::1:443', '2001:db8::2:*', 'UNCONN', '-']);
  });

  it('a UNIX row, path escaped', () => {
    const u: UnixSocket = {
      protocol: 'unix',
      type: 'stream',
      state: 'LISTEN',
      refCount: 2,
      path: '/tmp/a\x07b',
      inode: 9,
      owners: [],
    };
    expect(unixRow(u, { programs: true, extend: false, timers: false })).toEqual([
      'unix',
      '2',
      '[ ACC ]',
      'STREAM',
      'LISTENING',
      '9',
      '-',
      '/tmp/a\\x07b',
    ]);
  });

  it('columns grow to the widest cell and never cut an address', () => {
    const text = formatSockets(
      [tcp({ localAddress: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' })],
      'all',
      { programs: false, extend: false, timers: false },
      ['tcp'],
    );
    expect(text).toBe(
      'Active Internet connections (servers and established)\n' +
        'Proto Recv-Q Send-Q Local Address                              Foreign Address   State\n' +
        'tcp6       7      5 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff:443 2001:db8::2:50000 ESTABLISHED\n',
    );
    expect(layout(['a', 'b'], [['xx', 'y']], new Set())).toBe('a  b\nxx y');
  });

  it('routes as netstat -rn', () => {
    const r: Route = {
      family: 4,
      destination: '198.51.100.0',
      prefixLength: 24,
      gateway: '192.0.2.254',
      device: 'eth0',
      metric: 0,
      flags: 3,
      type: 'unicast',
      table: 'main',
      mtu: 0,
      window: 0,
      irtt: 0,
    };
    expect(formatRoutes([r], [4])).toBe(
      'Kernel IP routing table\nDestination  Gateway     Genmask       Flags MSS Window irtt Iface\n198.51.100.0 192.0.2.254 255.255.255.0 UG      0 0         0 eth0\n',
    );
  });
});

describe('inetTable (the fast path)', () => {
  it('law: prints exactly what the generic layout prints, for any sockets and columns', () => {
    const sock = fc.record({
      protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'raw' as const),
      family: fc.constantFrom(4 as const, 6 as const),
      state: fc.constantFrom('ESTABLISHED' as const, 'LISTEN' as const, 'CLOSE' as const, 'UNKNOWN' as const),
      stateCode: fc.nat(255),
      localAddress: fc.constantFrom(
        '127.0.0.1',
        '::',
        '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
        '::ffff:192.0.2.1',
      ),
      localPort: fc.nat(65535),
      remoteAddress: fc.constantFrom('0.0.0.0', '198.51.100.7', '::1'),
      remotePort: fc.nat(65535),
      sendQueue: fc.nat(10_000_000),
      receiveQueue: fc.nat(10_000_000),
      uid: fc.nat(70_000),
      inode: fc.nat(2 ** 32),
      timer: fc.constant({ kind: 'off' as const, expiresMs: 0, retransmits: 0, probes: 0 }),
      owners: fc.array(
        fc.record({
          pid: fc.nat(4_000_000),
          command: fc.string({ unit: 'grapheme', maxLength: 15 }),
          fd: fc.nat(1000),
        }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(sock, { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (list, programs, extend, timers) => {
          const o = { programs, extend, timers };
          const generic = layout(
            inetHeader(o),
            list.map((s) => inetRow(s, o)),
            new Set([1, 2]),
          );
          expect(inetTable(list, o)).toBe(generic);
        },
      ),
    );
  });
});

describe('inetColumnsTable (the plain listing, from sock_diag columns)', () => {
  it('law: prints what inetTable prints for the same sockets as records, in netstat order, for each role', () => {
    const v4 = ['127.0.0.1', '0.0.0.0', '192.0.2.10', '198.51.100.255'];
    const v6 = ['::', '::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:192.0.2.1'];
    const row = fc.record({
      protocol: fc.constantFrom(0, 1, 2),
      v6: fc.boolean(),
      stateCode: fc.oneof(fc.constantFrom(1, 7, 10, 6), fc.nat(255)),
      local: fc.nat(3),
      remote: fc.nat(3),
      localPort: fc.oneof(fc.constant(0), fc.nat(65535)),
      remotePort: fc.oneof(fc.constant(0), fc.nat(65535)),
      receiveQueue: fc.oneof(fc.constant(0), fc.nat(2 ** 32 - 1)),
      sendQueue: fc.oneof(fc.constant(0), fc.nat(10_000_000)),
    });
    fc.assert(
      fc.property(
        // Runs of rows that differ only in their ports, as a server's connections do.
        fc
          .array(fc.tuple(row, fc.boolean(), fc.nat(65535), fc.oneof(fc.constant(0), fc.nat(99))), {
            maxLength: 40,
          })
          .map((drawn) =>
            drawn.reduce<(typeof drawn)[number][0][]>((list, [r, sameShape, lp, rp]) => {
              const prev = list[list.length - 1];
              list.push(sameShape && prev ? { ...prev, localPort: lp, remotePort: rp } : r);
              return list;
            }, []),
          ),
        fc.constantFrom('all' as const, 'connected' as const, 'listening' as const),
        (list, role) => {
          const c = new InetColumns(2);
          // Addresses numbered in a shuffled order, as a dump meets them.
          const texts = [...v6, ...v4].reverse();
          c.addresses.texts.push(...texts);
          const records: InetSocket[] = [];
          for (const r of list) {
            const i = c.add();
            const names = r.v6 ? v6 : v4;
            c.protocol[i] = r.protocol;
            c.family[i] = r.v6 ? 6 : 4;
            c.stateCode[i] = r.stateCode;
            c.localAddress[i] = texts.indexOf(names[r.local]!);
            c.remoteAddress[i] = texts.indexOf(names[r.remote]!);
            c.localPort[i] = r.localPort;
            c.remotePort[i] = r.remotePort;
            c.receiveQueue[i] = r.receiveQueue;
            c.sendQueue[i] = r.sendQueue;
            records.push({
              protocol: INET_PROTOCOLS[r.protocol]!,
              family: r.v6 ? 6 : 4,
              state: inetState(r.stateCode),
              stateCode: r.stateCode,
              localAddress: names[r.local]!,
              localPort: r.localPort,
              remoteAddress: names[r.remote]!,
              remotePort: r.remotePort,
              sendQueue: r.sendQueue,
              receiveQueue: r.receiveQueue,
              uid: 0,
              timer: { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 },
              inode: 0,
              owners: [],
            });
          }
          const group = (s: InetSocket) => 2 * INET_PROTOCOLS.indexOf(s.protocol) + (s.family === 6 ? 1 : 0);
          const ordered = records
            .map((s, k) => ({ s, k }))
            .sort((a, b) => group(a.s) - group(b.s) || a.k - b.k)
            .map((x) => x.s)
            .filter(keepRole(role));
          const t = inetColumnsTable(c, role);
          const o = { programs: false, extend: false, timers: false };
          expect(t.header + t.body.toString('latin1')).toBe(inetTable(ordered, o));
          expect(t.rows).toBe(ordered.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('run (piped)', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());

  it('lists this process listening, with its pid, in netstat columns', async () => {
    const io = captureIo();
    const code = await run(['-tlnp', 'sport', '=', `:${port}`], io);
    expect(code).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toBe('Active Internet connections (only servers)');
    expect(lines[1]).toMatch(
      /^Proto Recv-Q Send-Q Local Address +Foreign Address +State +PID\/Program name$/,
    );
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(
        new RegExp(`^tcp +0 +0 127\\.0\\.0\\.1:${port} +0\\.0\\.0\\.0:\\* +LISTEN +${process.pid}/`),
      ),
    ]);
  });

  it('--json: one record per line, the library record', async () => {
    const io = captureIo();
    expect(await run(['-tl', '--json', 'sport', '=', `:${port}`], io)).toBe(0);
    const records = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InetSocket);
    expect(records).toEqual([
      expect.objectContaining({
        protocol: 'tcp',
        family: 4,
        state: 'LISTEN',
        localAddress: '127.0.0.1',
        localPort: port,
      }),
    ]);
  });

  it('exit 1 when nothing matches, still with the header', async () => {
    const io = captureIo();
    expect(await run(['-tl', 'sport', '=', ':1', 'and', 'sport', '=', ':2'], io)).toBe(1);
    expect(io.out()).toMatch(/^Active Internet connections/);
  });
});
