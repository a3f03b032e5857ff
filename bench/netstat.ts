// Benchmark: `netdiag netstat` beside ss and netstat, listing 10,000 and then 50,000 TCP sockets,
// with and without process names, and a bare `node -e 0` for Node's start-up cost.
// netdiag and `node -e 0` run on every Node line (bench/lib/measure.ts: lines), side by side.
// Run: npm run build && node --import tsx bench/netstat.ts [runs]
//
// The sockets are loopback connections held by helper child processes (each connection is two
// sockets: the client end and the accepted end), so the machine's file-descriptor limit per
// process (ulimit -n) is respected: each child holds at most PER_CHILD connections.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contender, lines, onEveryLine, printRatios, type Timing, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// A snapshot of the built CLI: in a shared checkout another build can rewrite dist/ during the
// run, and a half-written bundle exits at once and would pass for a fast run. It sits under
// node_modules/.cache so that it finds the native addon through node_modules as the installed
// CLI does (from a bare temporary directory netstat would quietly fall back to /proc).
mkdirSync(`${root}node_modules/.cache`, { recursive: true });
const snapshot = mkdtempSync(`${root}node_modules/.cache/netdiag-bench-`);
for (const part of ['bin', 'dist', 'package.json'])
  cpSync(`${root}apps/netdiag/${part}`, join(snapshot, part), { recursive: true });
// The bin its package.json names, so the bench follows however the CLI is started.
const { bin } = JSON.parse(readFileSync(`${root}apps/netdiag/package.json`, 'utf8')) as {
  bin: { netdiag: string };
};
const cli = join(snapshot, bin.netdiag);
const runs = Number(process.argv[2] ?? 10);
const PER_CHILD = 5000;

/** A child that listens on 127.0.0.1:0 and connects to itself `count` times, then waits for stdin to close. */
const HOLDER = `
const net = require('node:net');
const count = Number(process.argv[1]);
const keep = [];
const server = net.createServer((s) => keep.push(s));
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const port = server.address().port;
  let open = 0, started = 0;
  const next = () => {
    if (started >= count) return;
    started++;
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      keep.push(s);
      if (++open === count) setTimeout(() => console.log('ready'), 200);
      else next();
    });
    s.on('error', (e) => { console.error(e.message); process.exit(3); });
  };
  for (let i = 0; i < 100; i++) next();
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

const holders: ChildProcess[] = [];

function hold(connections: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', HOLDER, String(connections)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    holders.push(child);
    child.on('exit', (code) => reject(new Error(`socket holder exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
}

async function holdSockets(sockets: number, already: number): Promise<void> {
  let connections = (sockets - already) / 2;
  while (connections > 0) {
    const n = Math.min(PER_CHILD, connections);
    await hold(n);
    connections -= n;
  }
}

function release(): void {
  for (const h of holders) {
    h.removeAllListeners('exit');
    h.stdin?.end();
  }
  holders.length = 0;
  rmSync(snapshot, { recursive: true, force: true });
}
process.on('exit', release);
process.on('SIGINT', () => process.exit(130));

function countTcp(): number {
  return spawnSync('ss', ['-tanH'], { maxBuffer: 256 << 20 })
    .stdout.toString()
    .trim()
    .split('\n').length;
}

/** netdiag and `node -e 0` on every Node line, side by side (labels end with the line). */
function contenders(): Contender[] {
  const netdiag = (args: string[]): Contender[] =>
    onEveryLine(`netdiag netstat ${args.join(' ')}`, [cli, 'netstat', ...args]);
  return [
    ...onEveryLine('node -e 0', ['-e', '0']),
    { label: 'ss -tan', argv: ['ss', '-tan'] },
    { label: 'netstat -tan', argv: ['netstat', '-tan'] },
    ...netdiag(['-tan']),
    ...netdiag(['-tan', '--source', 'proc']),
    ...netdiag(['-tan', '--json']),
    { label: 'ss -tanp', argv: ['ss', '-tanp'] },
    { label: 'netstat -tanp', argv: ['netstat', '-tanp'] },
    ...netdiag(['-tanp']),
  ];
}

function goals(t: readonly Timing[]): void {
  const ms = (label: string) => t.find((x) => x.label === label)!.medianMs;
  for (const { major } of lines) {
    const node = ms(`node -e 0 (${major})`);
    for (const p of ['', 'p']) {
      const nd = ms(`netdiag netstat -tan${p} (${major})`);
      const ss = ms(`ss -tan${p}`);
      const ns = ms(`netstat -tan${p}`);
      console.log(
        `  Node ${major}, -tan${p}: netdiag above bare node ${(nd - node).toFixed(1)} ms = ${((nd - node) / ss).toFixed(2)}x ss (goal <= 2); ` +
          `netdiag / netstat = ${(nd / ns).toFixed(2)} (goal < 1 at 50,000)`,
      );
    }
  }
}

async function main(): Promise<void> {
  const limit = Number(spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString());
  if (limit < PER_CHILD * 2 + 100)
    throw new Error(`ulimit -n is ${limit}; the holders need ${PER_CHILD * 2 + 100}`);
  if (spawnSync(process.execPath, [cli, '--version']).status !== 0)
    throw new Error('build first: npm run build');
  // The default source must be netlink here, or the rows would time /proc twice.
  const netlink = spawnSync(process.execPath, [cli, 'netstat', '-tan', '--source', 'netlink'], {
    encoding: 'utf8',
  });
  if (netlink.status !== 0) throw new Error(`netdiag cannot read over netlink: ${netlink.stderr.trim()}`);
  let held = 0;
  for (const sockets of [10_000, 50_000]) {
    await holdSockets(sockets, held);
    held = sockets;
    const total = countTcp();
    // Each contender must really list: a run that prints nothing would only look fast.
    for (const source of ['netlink', 'proc']) {
      const listed = spawnSync(process.execPath, [cli, 'netstat', '-tan', '--source', source], {
        maxBuffer: 256 << 20,
      })
        .stdout.toString()
        .split('\n').length;
      if (listed < sockets)
        throw new Error(`netdiag (${source}) listed ${listed} lines with ${sockets} sockets held`);
    }
    const t = timeAll(contenders(), runs);
    printRatios(
      `netstat: ${sockets.toLocaleString('en')} held sockets (${total.toLocaleString('en')} TCP sockets on the machine), ${runs} runs`,
      t,
      'ss -tan',
    );
    goals(t);
  }
  release();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  release();
  process.exit(1);
});
