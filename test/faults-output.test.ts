import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from './lab/index.js';
import { AS_NOBODY, netdiagArgv } from './support/cli.js';
import { createFaultLab, errLines, oneLine, pointResolver, STACK } from './support/fault-lab.js';

// Where the output goes can fail too: a full disk (/dev/full answers every write with ENOSPC)
// must be one line and exit 2 for every command; a reader that went away (a closed pipe) ends
// the run quietly, as SIGPIPE ends the C tools; and too few file descriptors is one line.
/**
 * The limits below were chosen on Node 20, where `netdiag lookup --help` needs NODE20_FLOOR
 * descriptors in a lab namespace; Node 24 needs three more for its own start-up. Each limit is
 * counted from the floor of the Node running the tests, so that every case runs short of
 * descriptors in netdiag's code, not in the runtime's start-up (which crashes, not ours to fix).
 */
const NODE20_FLOOR = 18;

describe.skipIf(process.getuid?.() !== 0)('netdiag when its output or descriptors fail (needs root)', () => {
  let floor = NODE20_FLOOR;
  const limit = (onNode20: number) => onNode20 - NODE20_FLOOR + floor;
  let lab: Lab;
  let removeNames = () => {};
  const target = () => lab.addr('target', 4);
  const gateway = () => lab.topology.chains.path!.hops[4][0]!;
  // One invocation of every command that writes to stdout, each quick and inside the lab.
  const commands = (): string[][] => [
    ['ping', '-c', '2', '-i', '0.2', target()],
    ['ping', '--json', '-c', '1', target()],
    ['trace', '-n', '-q', '1', target()],
    ['trace', '-q', '1', target()],
    ['trace', '--report', '-c', '1', target()],
    ['lookup', '--json', '-x', target()],
    ['netstat', '-tan'],
    ['netstat', '-r'],
    ['netstat', '-s'],
    ['if'],
    ['arp'],
    ['arp', 'probe', '-c', '1', '--interval', '0.1', gateway()],
    ['ping', '--help'],
  ];
  const sh = (args: string[]) =>
    netdiagArgv(...args)
      .map((a) => `'${a}'`)
      .join(' ');

  beforeAll(async () => {
    lab = await createFaultLab();
    removeNames = pointResolver(lab.ns('client'), target());
    for (floor = 8; floor < 64; floor++) {
      const r = await lab.exec('client', [
        'prlimit',
        `--nofile=${floor}:${floor}`,
        ...netdiagArgv('lookup', '--help'),
      ]);
      if (r.code === 0) break;
    }
    console.log(`netdiag lookup --help starts with ${floor} descriptors on Node ${process.version}`);
  });
  afterAll(async () => {
    removeNames();
    await lab?.destroy();
  });

  it('stdout on /dev/full: `netdiag: writing output: no space left on device`, exit 2, for every command', async () => {
    for (const args of commands()) {
      const r = await lab.exec('client', ['sh', '-c', `exec ${sh(args)} > /dev/full`], { timeoutMs: 15_000 });
      expect(r.stderr, args.join(' ')).not.toMatch(STACK);
      expect(oneLine(r), args.join(' ')).toBe('netdiag: writing output: no space left on device');
      expect(r.code, args.join(' ')).toBe(2);
    }
    // NETDIAG_DEBUG=1 adds the stack for a bug report.
    const debug = await lab.exec('client', ['sh', '-c', `exec ${sh(['netstat', '-r'])} > /dev/full`], {
      env: { ...process.env, NETDIAG_DEBUG: '1' },
    });
    expect(errLines(debug)[0]).toBe('netdiag: writing output: no space left on device');
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('a closed pipe: quiet, for every command', async () => {
    for (const args of commands()) {
      // The reader is gone before netdiag writes its first byte.
      const r = await lab.exec(
        'client',
        ['bash', '-c', `(sleep 0.3; exec ${sh(args)}) | true; echo "exit \${PIPESTATUS[0]}" >&2`],
        { timeoutMs: 15_000 },
      );
      expect(r.stderr, args.join(' ')).toBe('exit 0\n');
    }
    // A run without an end stops when its reader does.
    const endless = await lab.exec(
      'client',
      [
        'bash',
        '-c',
        `${sh(['ping', '-i', '0.1', target()])} | head -2 >/dev/null; echo "exit \${PIPESTATUS[0]}" >&2`,
      ],
      { timeoutMs: 15_000 },
    );
    expect(endless.stderr).toBe('exit 0\n');
  });

  // Node itself needs 18 descriptors to start here (17: it cannot open the script; fewer: it
  // crashes before any JavaScript runs). Each command gets a few more than that, fewer than its
  // hosts need.
  const fdCases: { name: string; args: () => string[]; env?: NodeJS.ProcessEnv; limit: number }[] = [
    {
      // An ICMP datagram socket per host (unprivileged ping): the 40 do not fit in 30.
      name: 'ping to 40 hosts over ICMP datagram sockets',
      args: () => ['ping', '-c', '1', '-q', ...Array.from({ length: 40 }, () => target())],
      env: { NETDIAG_BACKEND: 'native-dgram' },
      limit: 30,
    },
    { name: 'arp probe', args: () => ['arp', 'probe', '-c', '1', gateway()], limit: 18 },
    { name: 'arp scan', args: () => ['arp', 'scan', '192.0.2.0/30', '-I', 'eth0'], limit: 18 },
    { name: 'netstat -tanp', args: () => ['netstat', '-tanp'], limit: 18 },
    { name: 'if', args: () => ['if'], limit: 18 },
    // DNS over TCP: the connection's socket is one descriptor too many.
    { name: 'lookup --tcp', args: () => ['lookup', '--tcp', '-x', target()], limit: 18 },
  ];
  // Unprivileged, `trace -U` opens a UDP socket per probe in flight (16 at once, as traceroute
  // does): with two descriptors to spare, most probes cannot go out, and rows of `* * *` alone
  // would say the path is silent.
  it('too few file descriptors for an unprivileged trace -U: says how many probes were not sent and why', async () => {
    const asNobody = AS_NOBODY;
    for (const args of [
      ['trace', '-U', '-n', '-q', '3', '-w', '0.5', target()],
      ['trace', '-U', '-n', '--report', '-c', '2', '-i', '0.1', '-w', '0.5', target()],
    ]) {
      const r = await lab.exec(
        'client',
        ['prlimit', `--nofile=${limit(20)}:${limit(20)}`, ...asNobody, ...netdiagArgv(...args)],
        {
          timeoutMs: 30_000,
        },
      );
      const what = `${args.join(' ')}\n${r.stdout}\n${r.stderr}`;
      expect(oneLine(r), what).toMatch(/^netdiag: trace: \d+ of \d+ probes not sent: too many open files/);
      // Exit 2 where the unsent probes kept the target from being found, else 0 as usual.
      const hopRows = r.stdout.split('\n').filter((l) => /^\s*\d+\.?(\|--)?\s/.test(l));
      const found = hopRows.some((l) => l.split(/\s+/).includes(target()));
      expect(r.code, what).toBe(found ? 0 : 2);
    }
  });

  for (const c of fdCases) {
    it(`too few file descriptors for ${c.name}: one line, no crash`, async () => {
      const r = await lab.exec(
        'client',
        ['prlimit', `--nofile=${limit(c.limit)}:${limit(c.limit)}`, ...netdiagArgv(...c.args())],
        {
          timeoutMs: 15_000,
          env: { ...process.env, ...c.env },
        },
      );
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(/too many open files/i);
    });
  }
});
