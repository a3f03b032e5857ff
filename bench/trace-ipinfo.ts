// Benchmark: what trace -z and -y cost at start-up, and that without them start-up is what it
// was. Beside this tree's `netdiag trace` it runs another build's (NETDIAG_BASELINE_CLI, say the
// main branch's bin/netdiag.js) on the same 8-hop lab path, interleaved; mtr -z cannot be beside
// it (it asks Team Cymru's DNS, and no packet may leave the lab), so `mtr -n --report -c 1` is.
// Run: npm run build && NETDIAG_BASELINE_CLI=/path/to/netdiag.js node --import tsx bench/trace-ipinfo.ts [runs]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeLines } from '../scripts/node-lines.mjs';
import { createLab } from '../test/lab/index.js';
import { type Contender, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const baseline = process.env.NETDIAG_BASELINE_CLI;
const runs = Number(process.argv[2] ?? 20);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/trace-ipinfo.ts needs root (it builds a network lab)');
    return;
  }
  if (baseline !== undefined && !existsSync(baseline))
    throw new Error(`NETDIAG_BASELINE_CLI: no file ${baseline}`);
  const lab = await createLab({ chains: { main: { from: 'client', to: 'far', routers: 7 } } });
  try {
    const far = lab.addr('far', 4);
    const ns = lab.ns('client');
    const c = (label: string, argv: string[]): Contender => ({ label, argv, ns });
    for (const { major, node } of nodeLines()) {
      const cs = [
        c('node -e 0', [node, '-e', '0']),
        ...(baseline
          ? [
              c('baseline trace --help', [node, baseline, 'trace', '--help']),
              c('baseline trace -n', [node, baseline, 'trace', '-n', far]),
            ]
          : []),
        c('trace --help', [node, cli, 'trace', '--help']),
        c('trace -n', [node, cli, 'trace', '-n', far]),
        c('trace -n -z', [node, cli, 'trace', '-n', '-z', far]),
        c('trace -n -y 2', [node, cli, 'trace', '-n', '-y', '2', far]),
        c('mtr -n --report -c 1', ['mtr', '-n', '--report', '-c', '1', far]),
      ];
      const t = timeAll(cs, runs);
      printRatios(
        `Node ${major}, 8 hops (to ${far}), ${runs} runs each`,
        t,
        baseline ? 'baseline trace -n' : 'trace -n',
      );
      const by = (l: string) => t.find((x) => x.label === l)!;
      if (baseline)
        for (const what of ['trace --help', 'trace -n'])
          console.log(
            `Node ${major}: ${what} − baseline = ${(by(what).medianMs - by(`baseline ${what}`).medianMs).toFixed(1)} ms wall, ` +
              `${(by(what).cpuMs - by(`baseline ${what}`).cpuMs).toFixed(1)} ms CPU`,
          );
      for (const what of ['trace -n -z', 'trace -n -y 2'])
        console.log(
          `Node ${major}: ${what} − trace -n = ${(by(what).medianMs - by('trace -n').medianMs).toFixed(1)} ms wall, ` +
            `${(by(what).cpuMs - by('trace -n').cpuMs).toFixed(1)} ms CPU`,
        );
    }
  } finally {
    await lab.destroy();
  }
}

await main();
