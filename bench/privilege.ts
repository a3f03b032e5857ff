// Benchmark: what least privilege costs (issue 16).
//  1. `ping -c 1` to loopback, end to end: netdiag as root (its sockets, then the drop in every
//     thread), netdiag as an unprivileged member of the helper's group (every raw socket through
//     the helper: a spawn, a request, SCM_RIGHTS), and iputils ping (which drops too), interleaved.
//  2. In one process: opening a raw ICMP socket directly (root) and through the helper, and the
//     drop itself (in a fresh process each time: it happens once per process).
// The helper is installed into a temporary prefix with a temporary group, both removed on exit.
// Run (root): npm run build && node --import tsx bench/privilege.ts [runs]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, helperDescriptor, open } from '@netdiag/native-socket';
import { lines, median, printRatios, timeAll } from './lib/measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
if (process.getuid?.() !== 0) {
  console.log('bench/privilege needs root (it installs the helper, and compares with root)');
  process.exit(0);
}

const group = `ndbench${process.pid % 100_000}`;
const prefix = mkdtempSync(join(tmpdir(), 'netdiag-bench-helper-'));
let installed = false;
function cleanup(): void {
  rmSync(prefix, { recursive: true, force: true });
  if (installed) spawnSync('groupdel', [group]);
  installed = false;
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
chmodSync(prefix, 0o755);
execFileSync('sh', [`${root}scripts/install-helper.sh`, '--prefix', prefix, '--group', group], {
  stdio: 'ignore',
});
installed = true;
const helper = join(prefix, 'libexec/netdiag/netdiag-helper');
const gid = execFileSync('getent', ['group', group]).toString().split(':')[2]!;
const cli = `${root}apps/netdiag/bin/netdiag.js`;
// No compile cache for either: nobody cannot read root's, and the comparison is of the sockets.
const env = { ...process.env, NETDIAG_HELPER: helper, NETDIAG_NO_COMPILE_CACHE: '1' };

const timings = timeAll(
  [
    { label: 'iputils ping -c 1 (root)', argv: ['ping', '-c', '1', '-n', '127.0.0.1'] },
    // Every Node line side by side (labels end with the line).
    ...lines.flatMap(({ major, node }) => [
      {
        label: `netdiag ping -c 1 (root, drops) (${major})`,
        argv: [node, cli, 'ping', '-c', '1', '127.0.0.1'],
        env,
      },
      {
        label: `netdiag ping -c 1 (helper member) (${major})`,
        argv: [
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          `--groups=${gid}`,
          '--inh-caps=-all',
          node,
          cli,
          'ping',
          '-c',
          '1',
          '127.0.0.1',
        ],
        env,
      },
      { label: `node -e 0 (${major})`, argv: [node, '-e', '0'] },
    ]),
  ],
  runs,
);
printRatios('ping -c 1 to loopback, end to end', timings, 'iputils ping -c 1 (root)');

const c = constants();
const usOf = (f: () => void, n: number) => {
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    f();
    s.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return median(s.sort((a, b) => a - b));
};
const direct = usOf(() => open({ domain: 'inet', type: 'raw', protocol: c.IPPROTO_ICMP! }).close(), 200);
const viaHelper = usOf(
  () => closeSync(helperDescriptor(helper, c.AF_INET!, c.SOCK_RAW!, c.IPPROTO_ICMP!)),
  200,
);

const dropChild = `
import { openProbeSocket, dropPrivileges } from '${root}packages/probe-socket/dist/index.js';
import { dropThreadPrivileges } from '${root}packages/native-socket/dist/index.js';
import { readFile } from 'node:fs';
const s = openProbeSocket({ family: 4, protocol: 'icmp' });
await new Promise((r) => readFile('/etc/hostname', r));
const t0 = process.hrtime.bigint();
process.argv[1] === 'native' ? dropThreadPrivileges([], null) : await dropPrivileges({});
console.log(Number(process.hrtime.bigint() - t0) / 1e3);
s.close();`;
const dropUs = (node: string, which: 'native' | 'checked') => {
  const s: number[] = [];
  for (let i = 0; i < runs; i++)
    s.push(Number(execFileSync(node, ['--input-type=module', '-e', dropChild, which]).toString()));
  return median(s.sort((a, b) => a - b));
};
const running = process.versions.node.split('.')[0];
console.log(`\nin one process (medians; the opens in this bench's own Node ${running})`);
console.log(`open a raw ICMP socket directly (root)       ${direct.toFixed(1).padStart(8)} us`);
console.log(
  `open it through the helper (spawn + SCM_RIGHTS) ${viaHelper.toFixed(1).padStart(5)} us  (${(viaHelper / direct).toFixed(0)}x)`,
);
for (const { major, node } of lines) {
  console.log(
    `drop in every thread (native broadcast), Node ${major}      ${dropUs(node, 'native').toFixed(1).padStart(8)} us`,
  );
  console.log(
    `drop and check every thread (dropPrivileges), Node ${major} ${dropUs(node, 'checked').toFixed(1).padStart(8)} us`,
  );
}
