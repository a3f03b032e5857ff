// Benchmark: `netdiag ping` beside iputils ping, in a lab of its own (root).
// Run: npm run build && node --import tsx bench/ping.ts [runs]          (default 15 runs)
//
// 1. Start-up: time from spawning the process to its first echo request on the wire, measured
//    at the target: a raw ICMP socket in the target's namespace notes CLOCK_MONOTONIC as each echo
//    request arrives, and this process notes the same clock just before spawn (both Node's hrtime
//    and Python's monotonic_ns read CLOCK_MONOTONIC, which namespaces share). Also the time to the
//    first reply line on stdout, and the whole `-c 1` run. Contenders are interleaved run by run.
// 2. RTT overhead: the RTT each tool reports to a target whose userspace responder answers after
//    exactly 20 ms, minus those 20 ms, over 50 probes at -i 0.02 (median of the rounds).
//
// netdiag runs on every Node line scripts/setup.sh installed (the running Node, and Node 24 from
// .cache/node), side by side. Both tools run piped (no TTY), as in a script: netdiag then prints iputils' lines and never
// loads Ink.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeLines } from '../scripts/node-lines.mjs';
import { createLab, type Lab } from '../test/lab/index.js';
import { median, printRatios, type Timing, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 15);
const RTT_PROBES = 50;
const RTT_ROUNDS = 3;
const DELAY_MS = 20;
const lines = nodeLines();

/** Prints `<monotonic ns> <icmp id> <icmp seq>` for every echo request arriving in its namespace. */
const LISTENER = `
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
print("ready", flush=True)
while True:
    data = s.recv(2048)
    t = time.monotonic_ns()
    ihl = (data[0] & 15) * 4
    if len(data) >= ihl + 8 and data[ihl] == 8:
        ident, seq = struct.unpack("!HH", data[ihl + 4:ihl + 8])
        print(t, ident, seq, flush=True)
`;

interface Arrival {
  readonly ns: bigint;
}

class WireListener {
  readonly #arrivals: Arrival[] = [];
  #waiting: (() => void) | undefined;
  readonly #ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let ready: () => void;
    this.#ready = new Promise((resolve, reject) => {
      ready = resolve;
      child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [t] = line.split(' ');
      if (t === 'ready') ready();
      if (!t || t === 'ready') return;
      this.#arrivals.push({ ns: BigInt(t) });
      this.#waiting?.();
    });
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** The first echo request that arrived after `since`, waiting up to `timeoutMs` for it. */
  async firstAfter(since: bigint, timeoutMs: number): Promise<bigint | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = this.#arrivals.find((x) => x.ns > since);
      if (a) return a.ns;
      if (Date.now() > deadline) return undefined;
      await new Promise<void>((r) => {
        this.#waiting = r;
        setTimeout(r, 20).unref();
      });
    }
  }
}

interface StartSample {
  readonly wireMs: number | undefined;
  readonly firstLineMs: number | undefined;
}

/** Spawns argv in `ns`; resolves with the time to its first probe on the wire and to its first reply line. */
async function startOnce(
  lab: Lab,
  host: string,
  argv: string[],
  listener: WireListener,
): Promise<StartSample> {
  const t0 = process.hrtime.bigint();
  const child = spawn('ip', ['netns', 'exec', lab.ns(host), ...argv], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let firstLine: bigint | undefined;
  createInterface({ input: child.stdout }).on('line', (l) => {
    if (firstLine === undefined && / bytes from /.test(l)) firstLine = process.hrtime.bigint();
  });
  const exited = new Promise<number | null>((r) => child.once('close', r));
  const wire = await listener.firstAfter(t0, 10_000);
  const code = await exited;
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}`);
  const ms = (t: bigint | undefined) => (t === undefined ? undefined : Number(t - t0) / 1e6);
  return { wireMs: ms(wire), firstLineMs: ms(firstLine) };
}

function timing(label: string, samples: (number | undefined)[]): Timing {
  const s = samples.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return {
    label,
    runs: samples.length,
    medianMs: median(s),
    minMs: s[0] ?? Number.NaN,
    maxMs: s[s.length - 1] ?? Number.NaN,
    cpuMs: Number.NaN,
    failures: samples.length - s.length,
  };
}

async function avgRtt(lab: Lab, argv: string[]): Promise<number> {
  const r = await lab.exec('client', argv, { timeoutMs: 60_000 });
  const m = /rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//.exec(r.stdout);
  if (!m) throw new Error(`${argv.join(' ')} printed no rtt line (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/ping.ts needs root (it builds a network lab)');
    return;
  }
  const lab = await createLab({
    // The client forwards only so the planner can route target <-> delayed; they never talk.
    hosts: { client: { router: true }, delayed: { echo: { delayMs: DELAY_MS, jitterMs: 0 } } },
    links: [{ hosts: ['client', 'target'] }, { hosts: ['client', 'delayed'] }],
  });
  console.log(`lab ${lab.id}: client, target, delayed (${DELAY_MS} ms responder)`);
  let listenerChild: ChildProcess | undefined;
  try {
    const target = lab.addr('target', 4);
    const delayed = lab.addr('delayed', 4);
    listenerChild = lab.spawn('target', ['python3', '-c', LISTENER]);
    const listener = new WireListener(listenerChild);
    await listener.ready();

    const contenders = [
      ...lines.map(({ major, node }) => ({
        label: `netdiag ping -c 1 (${major})`,
        argv: [node, cli, 'ping', '-c', '1', target],
      })),
      { label: 'iputils ping -c 1', argv: ['ping', '-c', '1', target] },
    ];
    const samples = contenders.map(() => [] as StartSample[]);
    for (let i = 0; i < runs; i++) {
      for (const [k, c] of contenders.entries())
        samples[k]!.push(await startOnce(lab, 'client', c.argv, listener));
    }
    printRatios(
      `spawn -> first echo request at the target (${target}), ${runs} runs each`,
      contenders.map((c, k) =>
        timing(
          c.label,
          samples[k]!.map((s) => s.wireMs),
        ),
      ),
      'iputils ping -c 1',
    );
    printRatios(
      'spawn -> first reply line on stdout',
      contenders.map((c, k) =>
        timing(
          c.label,
          samples[k]!.map((s) => s.firstLineMs),
        ),
      ),
      'iputils ping -c 1',
    );
    const ns = lab.ns('client');
    const whole = timeAll(
      [
        ...lines.flatMap(({ major, node }) => [
          { label: `node -e 0 (${major})`, argv: [node, '-e', '0'], ns },
          // The CLI and the ping command loaded, no probe sent.
          { label: `netdiag ping --help (${major})`, argv: [node, cli, 'ping', '--help'], ns },
          { label: `netdiag ping -c 1 (${major})`, argv: [node, cli, 'ping', '-c', '1', target], ns },
        ]),
        { label: 'iputils ping -c 1', argv: ['ping', '-c', '1', target], ns },
      ],
      runs,
    );
    printRatios(
      'whole -c 1 run (spawn to exit), with bare node for its start-up',
      whole,
      'iputils ping -c 1',
    );
    const of = (l: string) => whole.find((t) => t.label === l)!;
    for (const { major } of lines) {
      const [own, node] = [of(`netdiag ping -c 1 (${major})`), of(`node -e 0 (${major})`)];
      console.log(
        `netdiag ping -c 1 (${major}) − node -e 0 = ${(own.medianMs - node.medianMs).toFixed(1)} ms (CPU ${(own.cpuMs - node.cpuMs).toFixed(1)} ms)`,
      );
    }

    // RTT overhead at a target that answers after exactly DELAY_MS.
    const interval = '0.02';
    const tools = [
      ...lines.map(({ major, node }) => ({
        label: `netdiag ping (${major})`,
        argv: [node, cli, 'ping', '-q', '-c', String(RTT_PROBES), '-i', interval, delayed],
      })),
      { label: 'iputils ping', argv: ['ping', '-q', '-c', String(RTT_PROBES), '-i', interval, delayed] },
    ];
    const avgs = tools.map(() => [] as number[]);
    for (let round = 0; round < RTT_ROUNDS; round++) {
      for (const [k, t] of tools.entries()) avgs[k]!.push(await avgRtt(lab, t.argv));
    }
    console.log(
      `\nRTT overhead at ${delayed} (answers after ${DELAY_MS} ms): avg RTT − ${DELAY_MS} ms, ${RTT_PROBES} probes at -i ${interval}, median of ${RTT_ROUNDS} rounds`,
    );
    console.log(
      `${'tool'.padEnd(20)} ${'avg ms'.padStart(10)} ${'overhead µs'.padStart(12)} ${'rounds (avg ms)'.padStart(30)}`,
    );
    const overhead = avgs.map((a) => (median([...a].sort((x, y) => x - y)) - DELAY_MS) * 1000);
    for (const [k, t] of tools.entries()) {
      const med = median([...avgs[k]!].sort((x, y) => x - y));
      console.log(
        `${t.label.padEnd(20)} ${med.toFixed(3).padStart(10)} ${overhead[k]!.toFixed(0).padStart(12)} ${avgs[
          k
        ]!.map((x) => x.toFixed(3))
          .join(' / ')
          .padStart(30)}`,
      );
    }
    const iputils = overhead.at(-1)!;
    for (const [k, { major }] of lines.entries())
      console.log(`overhead ratio netdiag (${major}) / iputils: ${(overhead[k]! / iputils).toFixed(2)}`);
  } finally {
    await lab.destroy();
  }
}

await main();
