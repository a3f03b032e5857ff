// Benchmark: `netdiag arp` beside `ip neigh`, `arp -n` (net-tools) and a bare `node -e 0`, in a
// namespace whose neighbour table holds 1000 entries (static, on a veth, addresses from
// 198.18.0.0/15), and on this machine's own small table; then `netdiag arp probe` beside arping
// and `netdiag arp scan` beside arp-scan, to a peer namespace on that veth.
// netdiag and `node -e 0` run on every Node line (bench/lib/measure.ts: lines), side by side.
// Run (root, for the namespace): npm run build && node --import tsx bench/arp.ts [runs]
// NETDIAG_BASELINE=path/to/other/bin/netdiag.js adds that build beside this one (start-up cost of
// a change, measured interleaved); NETDIAG_CLI=path/to/bin/netdiag.js replaces this one.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Contender, onEveryLine, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = process.env.NETDIAG_CLI ?? `${root}apps/netdiag/bin/netdiag.js`;
const runs = Number(process.argv[2] ?? 20);
const ENTRIES = 1000;
const baseline = process.env.NETDIAG_BASELINE;
const id = randomBytes(3).toString('hex');
const ns = `nd${id}-barp`;
const peerNs = `nd${id}-bpeer`;
/** The peer's address: on the subnet of n0, outside the 1000 static entries. */
const PEER = '198.18.15.250';

function contenders(where?: string): Contender[] {
  const at = where ? { ns: where } : {};
  const c = (label: string, argv: string[]): Contender => ({ label, argv, ...at });
  return [
    ...onEveryLine('node -e 0', ['-e', '0'], at),
    ...onEveryLine('netdiag arp', [cli, 'arp'], at),
    ...onEveryLine('netdiag arp --json', [cli, 'arp', '--json'], at),
    ...(baseline ? [c('baseline netdiag arp', [process.execPath, baseline, 'arp'])] : []),
    c('ip neigh', ['ip', 'neigh']),
    c('ip -4 neigh', ['ip', '-4', 'neigh']),
    c('arp -n', ['arp', '-n']),
  ];
}

let made: string[] = [];
function cleanup(): void {
  for (const n of made) execFileSync('ip', ['netns', 'del', n]);
  made = [];
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

printRatios(`this machine's neighbour table, ${runs} runs each`, timeAll(contenders(), runs), 'ip neigh');

if (process.getuid?.() === 0) {
  for (const n of [ns, peerNs]) {
    execFileSync('ip', ['netns', 'add', n]);
    made.push(n);
  }
  // Static entries: no packet is sent to any of these addresses. The peer answers for PEER only.
  const batch = [
    `link add n0 type veth peer name n1 netns ${peerNs}`,
    'addr add 198.18.0.1/20 dev n0',
    'link set n0 up',
  ];
  for (let i = 0; i < ENTRIES; i++) {
    const host = i + 2;
    const mac = `02:00:00:00:${((host >> 8) & 0xff).toString(16).padStart(2, '0')}:${(host & 0xff).toString(16).padStart(2, '0')}`;
    batch.push(`neigh add 198.18.${host >> 8}.${host & 0xff} lladdr ${mac} dev n0 nud permanent`);
  }
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch.join('\n')}\n` });
  const count = execFileSync('ip', ['-n', ns, '-4', 'neigh']).toString().trim().split('\n').length;
  execFileSync('ip', ['-n', peerNs, 'addr', 'add', `${PEER}/20`, 'dev', 'n1']);
  execFileSync('ip', ['-n', peerNs, 'link', 'set', 'n1', 'up']);
  printRatios(`a table of ${count} entries, ${runs} runs each`, timeAll(contenders(ns), runs), 'ip neigh');

  const inNs = (label: string, argv: string[]): Contender => ({ label, argv, ns });
  printRatios(
    `one ARP request to a peer that answers, ${runs} runs each`,
    timeAll(
      [
        ...onEveryLine('netdiag arp probe -c 1', [cli, 'arp', 'probe', PEER, '-I', 'n0', '-c', '1'], { ns }),
        inNs('arping -c 1', ['arping', '-c', '1', '-i', 'n0', PEER]),
      ],
      runs,
    ),
    'arping -c 1',
  );
  // 14 addresses, one answering: both tools wait out their timeout for the silent ones.
  printRatios(
    `a scan of a /28 with one host, ${runs} runs each (timeouts: netdiag 0.5 s x 2 passes, arp-scan 0.5 s x 2 tries)`,
    timeAll(
      [
        ...onEveryLine(
          'netdiag arp scan',
          [cli, 'arp', 'scan', '198.18.15.240/28', '-I', 'n0', '--foreign'],
          {
            ns,
          },
        ),
        inNs('arp-scan', ['arp-scan', '-q', '-r', '2', '-t', '500', '-I', 'n0', '198.18.15.240/28']),
      ],
      runs,
    ),
    'arp-scan',
  );
} else {
  console.log('\n(not root: the 1000-entry namespace is skipped)');
}
cleanup();
