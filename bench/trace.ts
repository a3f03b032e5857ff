// Benchmark: `netdiag trace` beside traceroute (UDP and -I) and `mtr --report -c 1`, in a lab of
// its own (root): chains of 8 and 16 hops from one client, each with every router answering and
// with one silent router (a `*` hop) in the middle. Whole runs, interleaved, medians, ratios; a
// bare `node -e 0` shows what Node's start-up alone costs. netdiag runs on every Node line
// scripts/setup.sh installed (the running Node, and Node 24 from .cache/node), side by side.
// NETDIAG_BASELINE=path/to/other/bin/netdiag.js adds that build's `trace -n` beside this one's, on
// every line, interleaved (an A/B of a change); NETDIAG_ONLY=1 leaves the peers and the -U and
// --help runs out, to spend less CPU on such a comparison.
// Run: npm run build && node --import tsx bench/trace.ts [runs] [max hops]   (default 10 runs, all paths)
import { fileURLToPath } from 'node:url';
import { nodeLines } from '../scripts/node-lines.mjs';
import { createLab, type Lab, type LabSpec } from '../test/lab/index.js';
import { type Contender, printRatios, type Timing, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 10);
const maxHops = Number(process.argv[3] ?? 16);
const lines = nodeLines();
const baseline = process.env.NETDIAG_BASELINE;
const only = process.env.NETDIAG_ONLY === '1';

/** name -> routers on the way (hops = routers + the destination) and which one is silent. */
const PATHS = [
  { name: 'p8', hops: 8, silent: null },
  { name: 's8', hops: 8, silent: 4 },
  { name: 'p16', hops: 16, silent: null },
  { name: 's16', hops: 16, silent: 8 },
] as const;

function spec(): LabSpec {
  const hosts: Record<string, { router?: boolean; silent?: boolean }> = { client: { router: true } };
  const chains: Record<string, { from: string; to: string; routers: number; routerPrefix: string }> = {};
  for (const p of PATHS) {
    chains[p.name] = { from: 'client', to: `${p.name}far`, routers: p.hops - 1, routerPrefix: `${p.name}r` };
    if (p.silent !== null) hosts[`${p.name}r${p.silent}`] = { silent: true };
  }
  return { hosts, chains };
}

function contenders(lab: Lab, far: string): Contender[] {
  const ns = lab.ns('client');
  const c = (label: string, argv: string[]): Contender => ({ label, argv, ns });
  return [
    ...lines.flatMap(({ major, node }) => [
      c(`node -e 0 (${major})`, [node, '-e', '0']),
      // The CLI and the trace command loaded, no probe sent: start-up apart from the trace itself.
      ...(only ? [] : [c(`netdiag trace --help (${major})`, [node, cli, 'trace', '--help'])]),
      c(`netdiag trace -n (${major})`, [node, cli, 'trace', '-n', far]),
      ...(baseline ? [c(`baseline trace -n (${major})`, [node, baseline, 'trace', '-n', far])] : []),
      ...(only ? [] : [c(`netdiag trace -n -U (${major})`, [node, cli, 'trace', '-n', '-U', far])]),
    ]),
    ...(only
      ? []
      : [
          c('traceroute -n', ['traceroute', '-n', far]),
          c('traceroute -n -I', ['traceroute', '-n', '-I', far]),
          c('mtr -n --report -c 1', ['mtr', '-n', '--report', '-c', '1', far]),
        ]),
  ];
}

/** Runs each tool once and checks it listed the path: a benchmark of a broken run means nothing. */
async function check(
  lab: Lab,
  cs: Contender[],
  hops: readonly string[],
  silent: number | null,
): Promise<void> {
  for (const c of cs.filter((x) => !x.label.startsWith('node') && !x.label.includes('--help'))) {
    const r = await lab.exec('client', [...c.argv], { timeoutMs: 120_000 });
    const missing = hops.filter(
      (a, i) =>
        i + 1 !== silent && !new RegExp(`(^|\\s)${a.replace(/\./g, '\\.')}(\\s|$)`, 'm').test(r.stdout),
    );
    if (missing.length)
      throw new Error(
        `${c.label} did not list ${missing.join(', ')} (exit ${r.code}):\n${r.stdout}${r.stderr}`,
      );
  }
}

function aboveNode(title: string, t: Timing[]): void {
  const by = (l: string) => t.find((x) => x.label === l)!.medianMs;
  const cpu = (l: string) => t.find((x) => x.label === l)!.cpuMs;
  for (const { major } of lines) {
    const nodeCpu = cpu(`node -e 0 (${major})`);
    for (const l of [`netdiag trace -n (${major})`, ...(baseline ? [`baseline trace -n (${major})`] : [])])
      console.log(`${title}: ${l} CPU above node -e 0 = ${(cpu(l) - nodeCpu).toFixed(1)} ms`);
    if (only) continue;
    const node = by(`node -e 0 (${major})`);
    for (const [netdiag, peer] of [
      [`netdiag trace -n (${major})`, 'traceroute -n -I'],
      [`netdiag trace -n -U (${major})`, 'traceroute -n'],
    ] as const) {
      const own = by(netdiag) - node;
      // Over `trace --help` (CLI and command loaded, nothing sent): what the trace itself takes.
      const tracing = by(netdiag) - by(`netdiag trace --help (${major})`);
      console.log(
        `${title}: ${netdiag} − node -e 0 = ${own.toFixed(1)} ms (CPU ${(cpu(netdiag) - cpu(`node -e 0 (${major})`)).toFixed(1)} ms), ${peer} = ${by(peer).toFixed(1)} ms, ratio ${(own / by(peer)).toFixed(2)}; ` +
          `− netdiag trace --help = ${tracing.toFixed(1)} ms, ratio ${(tracing / by(peer)).toFixed(2)}`,
      );
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/trace.ts needs root (it builds a network lab)');
    return;
  }
  const lab = await createLab(spec());
  console.log(
    `lab ${lab.id}: ${PATHS.map((p) => `${p.hops} hops${p.silent ? ` (hop ${p.silent} silent)` : ''}`).join(', ')}`,
  );
  try {
    for (const p of PATHS.filter((x) => x.hops <= maxHops)) {
      const far = lab.addr(`${p.name}far`, 4);
      const hops = [...lab.topology.chains[p.name]!.hops[4], far];
      if (hops.length !== p.hops) throw new Error(`chain ${p.name} has ${hops.length} hops, not ${p.hops}`);
      const cs = contenders(lab, far);
      await check(lab, cs, hops, p.silent);
      const title = `${p.hops} hops${p.silent ? `, hop ${p.silent} silent` : ', all answering'} (to ${far})`;
      const t = timeAll(cs, runs);
      printRatios(
        `${title}, ${runs} runs each`,
        t,
        only ? `node -e 0 (${lines[0]!.major})` : 'traceroute -n',
      );
      aboveNode(title, t);
    }
  } finally {
    await lab.destroy();
  }
}

await main();
