// Benchmark: the probe-socket backends (native raw, native ICMP datagram, raw-socket) beside
// iputils ping, in namespaces of our own:
//  1. receive rate: a flood ping (ping -f -l 8) of N echo requests to loopback, wall clock of the
//     whole run (interleaved, medians) and each contender's own replies per second;
//  2. RTT error: 50 pings at a 20 ms interval to a target that answers after 20 ms (the lab's
//     userspace responder), with the event loop idle and blocked 5 ms after every send; the
//     error is each average minus iputils' average, measured right beside it.
// Every backend runs on every Node line (bench/lib/measure.ts: lines), side by side.
// Run (root, for the namespaces): npm run build && node --import tsx bench/socket.ts [runs] [N]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLab } from '../test/lab/index.js';
import { type Contender, lines, median, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const flood = `${root}bench/lib/socket-flood.ts`;
const rttChild = `${root}test/native-socket-rtt.child.ts`;
const runs = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 50_000);
const WINDOW = 8;
const BACKENDS = ['native-raw', 'native-dgram', 'raw-socket'] as const;

if (process.getuid?.() !== 0) {
  console.log('bench/socket needs root (namespaces, raw sockets)');
  process.exit(0);
}

const ns = `nd${randomBytes(3).toString('hex')}-bsock`;
let made = false;
function cleanup(): void {
  if (made) execFileSync('ip', ['netns', 'del', ns]);
  made = false;
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
execFileSync('ip', ['netns', 'add', ns]);
made = true;
execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
// Lets root's group use ICMP datagram sockets here, as an unprivileged user's would be.
execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);

/** A helper run by one Node line; every backend runs on every line, side by side. */
const node = (bin: string, args: string[]) => [bin, '--import', 'tsx', ...args];

for (const target of ['127.0.0.1', '::1']) {
  const contenders: Contender[] = [
    {
      label: 'iputils ping -f',
      argv: ['ping', '-n', '-q', '-f', '-l', `${WINDOW}`, '-c', `${N}`, target],
      ns,
    },
    ...BACKENDS.flatMap((b) =>
      lines.map(({ major, node: bin }) => ({
        label: `netdiag ${b} (${major})`,
        argv: node(bin, [flood, b, target, `${N}`, `${WINDOW}`]),
        ns,
      })),
    ),
  ];
  printRatios(
    `flood ping of ${N} echo requests to ${target}, ${WINDOW} in flight, ${runs} runs each`,
    timeAll(contenders, runs),
    'iputils ping -f',
  );
  // Each contender's own rate, without process start-up: replies per second of the flood itself.
  console.log(
    `${'replies per second (own clock)'.padEnd(36)} ${'median'.padStart(10)} ${'x iputils'.padStart(10)}`,
  );
  const rates = new Map<string, number>();
  for (const c of contenders) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync('ip', ['netns', 'exec', ns, ...c.argv], { encoding: 'utf8' });
      if (c.label.startsWith('iputils')) {
        const m = /(\d+) received.*time (\d+)ms/s.exec(r.stdout);
        if (m) samples.push(Number(m[1]) / (Number(m[2]) / 1000));
      } else if (r.status === 0) {
        samples.push((JSON.parse(r.stdout) as { rate: number }).rate);
      }
    }
    rates.set(c.label, median([...samples].sort((a, b) => a - b)));
  }
  const base = rates.get('iputils ping -f')!;
  for (const [label, rate] of rates)
    console.log(
      `${label.padEnd(36)} ${rate.toFixed(0).padStart(10)} ${(rate / base).toFixed(2).padStart(10)}`,
    );
}
cleanup();

// RTT error, in a two-host lab: client -> delayed (20 ms userspace responder).
const lab = await createLab({
  hosts: { delayed: { echo: { delayMs: 20, jitterMs: 0 } }, client: { pingGroupRange: [0, 2147483647] } },
  links: [{ hosts: ['client', 'delayed'] }],
});
try {
  const COUNT = 50;
  for (const family of [4, 6] as const) {
    const target = lab.addr('delayed', family);
    console.log(
      `\nRTT error to a 20 ms target (${target}), ${COUNT} pings at 20 ms, ${runs} runs: average minus iputils' average, ms`,
    );
    console.log(
      `${'backend'.padEnd(21)} ${'loop idle'.padStart(10)} ${'blocked 5ms'.padStart(12)} ${`x native-raw (${lines[0]!.major}, blocked)`.padStart(24)}`,
    );
    const errors = new Map<string, [number, number]>();
    for (const [backend, { major, node: bin }] of BACKENDS.flatMap((b) =>
      lines.map((l) => [b, l] as const),
    )) {
      const perBlock: number[] = [];
      for (const block of [0, 5]) {
        const samples: number[] = [];
        for (let i = 0; i < runs; i++) {
          const theirs = await lab.exec('client', [
            'ping',
            '-n',
            '-q',
            '-c',
            `${COUNT}`,
            '-i',
            '0.02',
            target,
          ]);
          const m = /= [\d.]+\/([\d.]+)\//.exec(theirs.stdout);
          const ours = await lab.exec(
            'client',
            node(bin, [rttChild, backend, target, `${COUNT}`, '20', `${block}`]),
          );
          if (!m || ours.code !== 0) continue;
          const avg = (JSON.parse(ours.stdout) as { rtt: { avg: number } }).rtt.avg;
          samples.push(avg - Number(m[1]));
        }
        perBlock.push(median([...samples].sort((a, b) => a - b)));
      }
      errors.set(`${backend} (${major})`, [perBlock[0]!, perBlock[1]!]);
    }
    const base = Math.abs(errors.get(`native-raw (${lines[0]!.major})`)![1]);
    for (const [backend, [idle, blocked]] of errors) {
      console.log(
        `${backend.padEnd(21)} ${idle.toFixed(3).padStart(10)} ${blocked.toFixed(3).padStart(12)} ${(Math.abs(blocked) / base).toFixed(1).padStart(24)}`,
      );
    }
  }
} finally {
  await lab.destroy();
}
