// Benchmark: `netdiag capture` beside tcpdump.
// 0. The receive path: the same flood into a TPACKET_V3 ring (batches per block) and into a packet
//    socket read with recvmsg (one callback per frame): frames handed to JavaScript, drops, CPU.
// 1. Live: a `ping -f` flood of 100,000 echo requests (200,000 packets on the wire, both ways)
//    across a veth pair between two namespaces, captured with -w /dev/null on the sender's end:
//    netdiag alone, tcpdump alone, then both at once; the kernel's counts (captured, received by
//    filter, dropped by kernel) of each.
// 2. Decoding: the 200,000-packet file tcpdump wrote of that flood, printed to /dev/null with -n
//    and with -n -X, netdiag beside tcpdump, runs interleaved; ratios to tcpdump.
// netdiag (the CLI and the receive paths) runs on every Node line (bench/lib/measure.ts: lines).
// Run (root, for the namespaces): npm run build && node --import tsx bench/capture.ts [runs] [requests]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contender, lines, onEveryLine, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = process.env.NETDIAG_CLI ?? `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 100_000);
const id = randomBytes(3).toString('hex');
const a = `nd${id}-bcapa`;
const b = `nd${id}-bcapb`;
const dir = mkdtempSync(join(tmpdir(), 'netdiag-bench-capture-'));

if (process.getuid?.() !== 0) {
  console.error('bench/capture.ts needs root (namespaces, packet sockets)');
  process.exit(2);
}

let made: string[] = [];
function cleanup(): void {
  for (const n of made) execFileSync('ip', ['netns', 'del', n]);
  made = [];
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const inNs = (ns: string, argv: readonly string[]) => ['ip', 'netns', 'exec', ns, ...argv];
for (const n of [a, b]) {
  execFileSync('ip', ['netns', 'add', n]);
  made.push(n);
}
execFileSync('ip', ['-n', a, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b]);
execFileSync('ip', ['-n', a, 'addr', 'add', '198.18.0.1/30', 'dev', 'v0']);
execFileSync('ip', ['-n', b, 'addr', 'add', '198.18.0.2/30', 'dev', 'v1']);
for (const [n, dev] of [
  [a, 'v0'],
  [b, 'v1'],
  [a, 'lo'],
  [b, 'lo'],
] as const)
  execFileSync('ip', ['-n', n, 'link', 'set', dev, 'up']);

interface Counts {
  readonly captured: number;
  readonly received: number;
  readonly dropped: number;
}

/** Starts a capture in `a`; resolves once it listens; stop() ends it and parses its counts. */
async function startCapture(argv: readonly string[]): Promise<{ stop(): Promise<Counts> }> {
  const [file, ...args] = inNs(a, argv);
  const child: ChildProcess = spawn(file!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening on')) resolve();
    });
    child.once('exit', () => reject(new Error(`${argv.join(' ')} exited: ${err}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      // tcpdump reads no more after SIGINT: give both a second (tcpdump's block timeout) first.
      await new Promise((r) => setTimeout(r, 1200));
      child.kill('SIGINT');
      await exited;
      const n = (what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(err)?.[1] ?? Number.NaN);
      return { captured: n('captured'), received: n('received by filter'), dropped: n('dropped by kernel') };
    },
  };
}

function flood(): number {
  const t0 = performance.now();
  execFileSync('ip', ['netns', 'exec', a, 'ping', '-f', '-q', '-c', String(requests), '198.18.0.2'], {
    stdio: 'ignore',
  });
  return performance.now() - t0;
}

/** One receive path of bench/lib/capture-receiver.ts, run by one Node line, under one flood. */
async function receivePath(path: 'ring' | 'recvmsg', line: (typeof lines)[number]): Promise<void> {
  const helper = `${root}bench/lib/capture-receiver.ts`;
  const [file, ...args] = inNs(a, [line.node, '--import', 'tsx', helper, path]);
  const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening on')) resolve();
    });
    child.once('exit', () => reject(new Error(`receiver ${path} exited: ${err}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  const ms = flood();
  await new Promise((r) => setTimeout(r, 500));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
  const r = JSON.parse(out) as { received: number; dropped: number; cpuMs: number };
  console.log(
    `${`${path} (${line.major})`.padEnd(14)} ${String(r.received).padStart(9)} ${String(r.dropped).padStart(8)} ${r.cpuMs.toFixed(0).padStart(8)} ${((r.cpuMs * 1000) / Math.max(1, r.received)).toFixed(2).padStart(10)} ${(ms / 1000).toFixed(2).padStart(8)}`,
  );
}

console.log(`\nreceive path: ping -f -c ${requests} across a veth (${2 * requests} packets) into JavaScript`);
console.log(
  `${'path'.padEnd(14)} ${'frames'.padStart(9)} ${'dropped'.padStart(8)} ${'cpu ms'.padStart(8)} ${'µs/frame'.padStart(10)} ${'flood s'.padStart(8)}`,
);
for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
  for (const line of lines) {
    await receivePath('ring', line);
    await receivePath('recvmsg', line);
  }
}

const netdiagOn = (node: string) => [node, cli, 'capture', '-i', 'v0', '-w', '/dev/null'];
const TCPDUMP = ['tcpdump', '-i', 'v0', '-w', '/dev/null'];

const row = (label: string, c: Counts, ms: number) =>
  console.log(
    `${label.padEnd(34)} ${String(c.captured).padStart(9)} ${String(c.received).padStart(9)} ${String(c.dropped).padStart(8)} ${((2 * requests) / (ms / 1000) / 1000).toFixed(0).padStart(8)}`,
  );
console.log(`\nlive: ping -f -c ${requests} across a veth (${2 * requests} packets), -w /dev/null`);
console.log(
  `${'contender'.padEnd(34)} ${'captured'.padStart(9)} ${'received'.padStart(9)} ${'dropped'.padStart(8)} ${'kpkt/s'.padStart(8)}`,
);
for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
  for (const [label, argv] of [
    ...lines.map(({ major, node }) => [`netdiag capture -w /dev/null (${major})`, netdiagOn(node)] as const),
    ['tcpdump -w /dev/null', TCPDUMP] as const,
  ]) {
    const c = await startCapture(argv);
    const ms = flood();
    row(label, await c.stop(), ms);
  }
  for (const { major, node } of lines) {
    const [x, y] = [await startCapture(netdiagOn(node)), await startCapture(TCPDUMP)];
    const ms = flood();
    row(`both at once: netdiag (${major})`, await x.stop(), ms);
    row('both at once: tcpdump', await y.stop(), ms);
  }
}

// The file: what tcpdump wrote of one flood.
const file = join(dir, 'flood.pcap');
{
  const c = await startCapture(['tcpdump', '-i', 'v0', '-w', file]);
  flood();
  const counts = await c.stop();
  console.log(`\n${file}: ${counts.captured} packets (tcpdump -w)`);
}
const decode = (flags: string[]): Contender[] => [
  { label: `tcpdump ${flags.join(' ')} -r`, argv: ['tcpdump', ...flags, '-r', file] },
  ...onEveryLine(`netdiag capture ${flags.join(' ')} -r`, [cli, 'capture', ...flags, '-r', file]),
];
printRatios(
  `decoding ${file} to /dev/null, ${runs} runs each`,
  timeAll(decode(['-n']), runs),
  'tcpdump -n -r',
);
printRatios(
  `decoding with hex and ASCII to /dev/null, ${runs} runs each`,
  timeAll(decode(['-n', '-X']), runs),
  'tcpdump -n -X -r',
);
printRatios(
  `filtering: -r FILE -w /dev/null 'icmp[icmptype] == icmp-echoreply', ${runs} runs each`,
  timeAll(
    [
      {
        label: 'tcpdump filter',
        argv: ['tcpdump', '-r', file, '-w', '/dev/null', 'icmp[icmptype] == icmp-echoreply'],
      },
      ...onEveryLine('netdiag filter', [
        cli,
        'capture',
        '-r',
        file,
        '-w',
        '/dev/null',
        'icmp[icmptype] == icmp-echoreply',
      ]),
    ],
    runs,
  ),
  'tcpdump filter',
);
