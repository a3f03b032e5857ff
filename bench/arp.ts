// Benchmark: `netdiag arp` beside `ip neigh`, `arp -n` (net-tools) and a bare `node -e 0`, in a
// namespace whose neighbour table holds 1000 entries (static, on a veth, addresses from
// 198.18.0.0/15), and on this machine's own small table.
// Run (root, for the namespace): npm run build && node --import tsx bench/arp.ts [runs]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Contender, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 20);
const ENTRIES = 1000;
const ns = `nd${randomBytes(3).toString('hex')}-barp`;

function contenders(where?: string): Contender[] {
  const c = (label: string, argv: string[]): Contender => ({ label, argv, ...(where ? { ns: where } : {}) });
  return [
    c('node -e 0', [process.execPath, '-e', '0']),
    c('netdiag arp', [process.execPath, cli, 'arp']),
    c('netdiag arp --json', [process.execPath, cli, 'arp', '--json']),
    c('ip neigh', ['ip', 'neigh']),
    c('ip -4 neigh', ['ip', '-4', 'neigh']),
    c('arp -n', ['arp', '-n']),
  ];
}

let made = false;
function cleanup(): void {
  if (made) execFileSync('ip', ['netns', 'del', ns]);
  made = false;
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

printRatios(`this machine's neighbour table, ${runs} runs each`, timeAll(contenders(), runs), 'ip neigh');

if (process.getuid?.() === 0) {
  execFileSync('ip', ['netns', 'add', ns]);
  made = true;
  // Static entries: no packet is sent to any of these addresses.
  const batch = [
    'link add n0 type veth peer name n1',
    'addr add 198.18.0.1/20 dev n0',
    'link set n0 up',
    'link set n1 up',
  ];
  for (let i = 0; i < ENTRIES; i++) {
    const host = i + 2;
    const mac = `02:00:00:00:${((host >> 8) & 0xff).toString(16).padStart(2, '0')}:${(host & 0xff).toString(16).padStart(2, '0')}`;
    batch.push(`neigh add 198.18.${host >> 8}.${host & 0xff} lladdr ${mac} dev n0 nud permanent`);
  }
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch.join('\n')}\n` });
  const count = execFileSync('ip', ['-n', ns, '-4', 'neigh']).toString().trim().split('\n').length;
  printRatios(`a table of ${count} entries, ${runs} runs each`, timeAll(contenders(ns), runs), 'ip neigh');
} else {
  console.log('\n(not root: the 1000-entry namespace is skipped)');
}
cleanup();
