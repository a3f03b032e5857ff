// Benchmark: `netdiag if` beside `ip addr`, `ifconfig -a` (net-tools) and a bare `node -e 0`
// (Node's own start-up), first in this machine's namespace, then in a namespace of 100
// interfaces (50 veth pairs) each with an IPv4 and an IPv6 address from the documentation ranges.
// netdiag and `node -e 0` run on every Node line (bench/lib/measure.ts: lines), side by side.
// Run (root, for the namespace): npm run build && node --import tsx bench/interface-stats.ts [runs]
// NETDIAG_BASELINE=path/to/other/bin/netdiag.js adds that build beside this one (start-up cost of
// a change, measured interleaved); NETDIAG_CLI=path/to/bin/netdiag.js replaces this one.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Contender, onEveryLine, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = process.env.NETDIAG_CLI ?? `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 20);
const baseline = process.env.NETDIAG_BASELINE;
const PAIRS = 50;
const ns = `nd${randomBytes(3).toString('hex')}-bif`;

function contenders(where?: string): Contender[] {
  const at = where ? { ns: where } : {};
  const c = (label: string, argv: string[]): Contender => ({ label, argv, ...at });
  return [
    ...onEveryLine('node -e 0', ['-e', '0'], at),
    ...onEveryLine('netdiag if', [cli, 'if'], at),
    ...onEveryLine('netdiag if -s --json', [cli, 'if', '-s', '--json'], at),
    ...(baseline ? [c('baseline netdiag if', [process.execPath, baseline, 'if'])] : []),
    c('ip addr', ['ip', 'addr']),
    c('ip -j -s addr', ['ip', '-j', '-s', 'addr']),
    c('ifconfig -a', ['ifconfig', '-a']),
  ];
}

let made = false;
function cleanup(): void {
  if (made) execFileSync('ip', ['netns', 'del', ns]);
  made = false;
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

printRatios(`interfaces of this namespace, ${runs} runs each`, timeAll(contenders(), runs), 'ip addr');

if (process.getuid?.() === 0) {
  execFileSync('ip', ['netns', 'add', ns]);
  made = true;
  const batch: string[] = ['link set lo up'];
  for (let i = 0; i < PAIRS; i++) {
    batch.push(`link add b${i}a type veth peer name b${i}b`);
    // 198.18.0.0/15: two /30-sized halves per pair, one address each end.
    const o = i * 4;
    batch.push(
      `addr add 198.18.${o >> 8}.${(o & 0xff) + 1}/30 dev b${i}a`,
      `addr add 198.18.${o >> 8}.${(o & 0xff) + 2}/30 dev b${i}b`,
    );
    batch.push(
      `addr add 2001:db8:${i.toString(16)}::1/64 dev b${i}a nodad`,
      `addr add 2001:db8:${i.toString(16)}::2/64 dev b${i}b nodad`,
    );
    batch.push(`link set b${i}a up`, `link set b${i}b up`);
  }
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch.join('\n')}\n` });
  const count = (JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link']).toString()) as unknown[]).length;
  printRatios(
    `a namespace of ${count} interfaces, ${runs} runs each`,
    timeAll(contenders(ns), runs),
    'ip addr',
  );
} else {
  console.log('\n(not root: the 100-interface namespace is skipped)');
}
cleanup();
