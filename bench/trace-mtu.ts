// Benchmark: `netdiag trace --mtu` beside `tracepath -n`, in a lab of its own (root): client ->
// r1 -> r2 -> r3 -> target over links of MTU 1500, 1400, 1280 and 1500, so each run learns the
// path MTU from the kernel and two routers. Whole runs, interleaved, medians, ratios. Both tools
// size probes against the interface MTU (IP_PMTUDISC_PROBE), so the path MTU the kernel caches
// after the first run changes nothing either sends: every run discovers the path afresh.
// Run: npm run build && node --import tsx bench/trace-mtu.ts [runs]   (default 10)
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../test/lab/index.js';
import { type Contender, lines, onEveryLine, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 10);
const MTUS = [1500, 1400, 1280, 1500];

async function setLinkMtu(lab: Lab, a: string, b: string, mtu: number): Promise<void> {
  const t = lab.topology;
  const link = t.links.findIndex((l) => l.hosts.length === 2 && l.hosts.includes(a) && l.hosts.includes(b));
  for (const host of [a, b]) {
    const itf = t.hosts[host]!.interfaces.find((i) => i.link === link)!;
    const r = await lab.exec(host, ['ip', 'link', 'set', 'dev', itf.name, 'mtu', String(mtu)]);
    if (r.code !== 0) throw new Error(`ip link set ${itf.name} mtu ${mtu} in ${host}: ${r.stderr}`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/trace-mtu.ts needs root (it builds a network lab)');
    return;
  }
  const lab = await createLab({ chains: { path: { from: 'client', to: 'target', routers: 3 } } });
  try {
    const hosts = ['client', ...lab.topology.chains.path!.routers, 'target'];
    for (let i = 0; i < MTUS.length; i++) await setLinkMtu(lab, hosts[i]!, hosts[i + 1]!, MTUS[i]!);
    console.log(
      `lab ${lab.id}: 4 hops, link MTUs ${MTUS.join(', ')}, Node ${lines.map((l) => l.major).join(' and ')}`,
    );
    for (const family of [4, 6] as const) {
      const far = lab.addr('target', family);
      const ns = lab.ns('client');
      // netdiag and `node -e 0` on every Node line, side by side (labels end with the line).
      const cs: Contender[] = [
        ...onEveryLine('node -e 0', ['-e', '0'], { ns }),
        // The same trace without the search: what --mtu adds.
        ...onEveryLine('netdiag trace -n', [cli, 'trace', '-n', far], { ns }),
        ...onEveryLine('netdiag trace -n --mtu', [cli, 'trace', '-n', '--mtu', far], { ns }),
        ...onEveryLine('netdiag trace -n --mtu -U', [cli, 'trace', '-n', '--mtu', '-U', far], { ns }),
        { label: 'tracepath -n', argv: ['tracepath', `-${family}`, '-n', far], ns },
      ];
      // A benchmark of a run that found the wrong answer means nothing.
      for (const c of cs.filter((x) => x.label.includes('mtu') || x.label.startsWith('tracepath'))) {
        const r = await lab.exec('client', [...c.argv], { timeoutMs: 60_000 });
        if (!/Resume: pmtu 1280 hops 4/.test(r.stdout))
          throw new Error(`${c.label}:\n${r.stdout}${r.stderr}`);
      }
      printRatios(`IPv${family} to ${far}, ${runs} runs each`, timeAll(cs, runs), 'tracepath -n');
    }
  } finally {
    await lab.destroy();
  }
}

await main();
