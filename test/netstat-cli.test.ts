import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built CLI as a user runs it: piped output, permissions, untrusted process names, -c and
// Ctrl-C, bad input. Needs `npm run build` (CI builds before testing).

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const netstat = (args: string[], prefix: string[] = []) => {
  const argv = [...prefix, process.execPath, cli, 'netstat', ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, NETDIAG_NO_TTY: '1' },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe.skipIf(process.platform !== 'linux')('netdiag netstat (the built CLI)', () => {
  let server: net.Server;
  let port: number;
  let renamed: ChildProcess | undefined;
  let renamedPort: number;

  beforeAll(async () => {
    expect(existsSync(cli), 'build first: npm run build').toBe(true);
    server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
    // A process whose name holds terminal escapes (comm is whatever a process says it is).
    renamed = spawn(
      process.execPath,
      [
        '-e',
        `process.title = 'ev\\x1b]0;pwned\\x07il'; const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port)); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    renamedPort = await new Promise<number>((resolve) =>
      renamed!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
  });

  afterAll(() => {
    server?.close();
    renamed?.stdin?.end();
  });

  it('without permission to see other processes: the listing still comes, and stderr says what was not seen', () => {
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const r = netstat(['-tlnp', 'sport', '=', `:${port}`], asNobody);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^tcp +0 +0 127\\.0\\.0\\.1:${port} +0\\.0\\.0\\.0:\\* +LISTEN +-$`, 'm'),
    );
    expect(r.err).toMatch(
      /^netdiag: netstat: could not read the descriptors of \d+ process(es)? \(other users'; run as root to see them\)/,
    );
    // As root the same socket has its owner, and nothing is reported missing.
    if (process.getuid?.() === 0) {
      const asRoot = netstat(['-tlnp', 'sport', '=', `:${port}`]);
      expect(asRoot.out).toMatch(new RegExp(`:${port} .* LISTEN +${process.pid}/`));
      expect(asRoot.err).toBe('');
    }
  });

  it('process names are printed with their control characters escaped', () => {
    const r = netstat(['-tlnp', 'sport', '=', `:${renamedPort}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${renamed!.pid}/ev\\x1b]0;pwned\\x07il`);
    expect(r.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('-c lists again every interval until Ctrl-C, then exits cleanly', async () => {
    const child = spawn(
      process.execPath,
      [cli, 'netstat', '-tln', '-c', '--interval', '0.2', 'sport', '=', `:${port}`],
      {
        env: { ...process.env, NETDIAG_NO_TTY: '1' },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 1000 && (out.match(/^Active Internet/gm) ?? []).length < 3; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((out.match(/^Active Internet/gm) ?? []).length).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect((out.match(new RegExp(`127\\.0\\.0\\.1:${port} `, 'g')) ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it('netlink (sock_diag) and /proc give the same lines and the same JSON, as root and as nobody', async () => {
    // Our own sockets on both families: listeners, both ends of a connection with 1234 bytes
    // unread, and an unconnected UDP socket. Other tests open and close sockets meanwhile, so
    // only lines with our ports are compared.
    const closers: (() => void)[] = [];
    const ports: number[] = [];
    const endpoints: string[] = [];
    try {
      for (const host of ['127.0.0.1', '::1']) {
        const listener = net.createServer({ pauseOnConnect: true });
        await new Promise<void>((r) => listener.listen(0, host, r));
        closers.push(() => listener.close());
        const lport = (listener.address() as net.AddressInfo).port;
        const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
        const client = net.connect({ host, port: lport });
        await new Promise((r) => client.once('connect', r));
        closers.push(() => client.destroy());
        const side = await accepted;
        closers.push(() => side.destroy());
        client.write(Buffer.alloc(1234));
        const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
        await new Promise<void>((r) => udp.bind(0, host, r));
        closers.push(() => udp.close());
        ports.push(lport, client.localPort!, udp.address().port);
        const v6 = host.includes(':') ? '6' : '';
        endpoints.push(`tcp${v6} ${host}:${lport}`, `udp${v6} ${host}:${udp.address().port}`);
      }
      await new Promise((r) => setTimeout(r, 100)); // the 1234 bytes arrive
      // Ours by inode: other tests' sockets can have the same port numbers. The inodes are
      // those of our process's sockets on our ports, read once as root from /proc.
      const columns = (l: string) => l.trim().split(/\s+/);
      const inodes = new Set(
        netstat(['-tuanep', '--source', 'proc'])
          .out.split('\n')
          .map(columns)
          .filter(
            (c) =>
              c[8]?.startsWith(`${process.pid}/`) &&
              ports.some((p) => c[3]?.endsWith(`:${p}`) || c[4]?.endsWith(`:${p}`)),
          )
          .map((c) => c[7]!),
      );
      // Per family: listener, two ends, UDP socket.
      expect(inodes.size).toBe(8);
      const mine = (text: string) =>
        text
          .split('\n')
          .filter((l) =>
            l.startsWith('{')
              ? inodes.has(String((JSON.parse(l) as { inode: number }).inode))
              : inodes.has(columns(l)[7]!),
          )
          .sort();
      for (const args of [['-tuanep'], ['-tuanp', '--json']]) {
        const viaNetlink = netstat([...args, '--source', 'netlink']);
        const viaProc = netstat([...args, '--source', 'proc']);
        expect(viaNetlink.code, viaNetlink.err).toBe(0);
        expect(viaProc.code, viaProc.err).toBe(0);
        const lines = mine(viaNetlink.out);
        expect(lines, args.join(' ')).toHaveLength(8);
        // The unread bytes, in Recv-Q.
        expect(lines.some((l) => / 1234 | 1234,|"receiveQueue":1234/.test(l))).toBe(true);
        expect(lines).toEqual(mine(viaProc.out));
      }
      // The plain listing is written from sock_diag's columns, with no record per socket. Ours are
      // the lines with our listener's or UDP socket's endpoint at either end: while they are open
      // no other socket can have it (a client's port, though, can serve other connections too).
      const plain = (text: string) =>
        text
          .split('\n')
          .filter((l) => {
            const c = columns(l);
            return endpoints.includes(`${c[0]} ${c[3]}`) || endpoints.includes(`${c[0]} ${c[4]}`);
          })
          .sort();
      const viaColumns = netstat(['-tuan', '--source', 'netlink']);
      expect(viaColumns.code, viaColumns.err).toBe(0);
      expect(plain(viaColumns.out)).toHaveLength(8);
      expect(plain(viaColumns.out)).toEqual(plain(netstat(['-tuan', '--source', 'proc']).out));
      // sock_diag needs no privilege: nobody lists the same sockets (owners unseen, as from /proc).
      const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
      const nobody = netstat(['-tuane', '--source', 'netlink'], asNobody);
      expect(nobody.code, nobody.err).toBe(0);
      expect(mine(nobody.out)).toHaveLength(8);
      expect(mine(nobody.out)).toEqual(mine(netstat(['-tuane', '--source', 'proc'], asNobody).out));
    } finally {
      for (const c of closers.reverse()) c();
    }
  });

  it('bad input: one line on stderr, exit 2, no stack trace', () => {
    for (const args of [
      ['--frobnicate'],
      ['state', 'sideways'],
      ['sport', '=', ':70000'],
      ['-r', '-s'],
      ['--source', 'ss'],
    ]) {
      const r = netstat(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/^netdiag: netstat: /);
    }
  });

  it('--help documents the flags, the filter and --json', () => {
    const r = netstat(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['-t, -u, -w, -x', 'state NAME', 'sport|dport', '--json', '-p ', '-r ', '-s ', '-c '])
      expect(r.out).toContain(word);
  });
});
