// Records what readInterfaces() reads (sysfs files, /proc/net/dev, /proc/net/if_inet6,
// os.networkInterfaces()) together with `ip -j link` and `ip -j addr` taken at the same moment,
// as a JSON fixture for the unit tests. Run it inside a namespace you set up:
//   ip netns exec NS node --import tsx packages/interface-stats/scripts/capture-fixture.ts > out.json
import { execFileSync } from 'node:child_process';
import { sysfsLinkFiles } from '../src/sysfs-link.js';
import { nodeSystem } from '../src/system.js';

const files: Record<string, string | null> = {};
const dirs: Record<string, string[]> = {};
const names = nodeSystem.listDir('/sys/class/net');
dirs['/sys/class/net'] = names;
for (const n of names) {
  for (const f of sysfsLinkFiles)
    files[`/sys/class/net/${n}/${f}`] = nodeSystem.readFile(`/sys/class/net/${n}/${f}`) ?? null;
}
for (const p of ['/proc/net/dev', '/proc/net/if_inet6']) files[p] = nodeSystem.readFile(p) ?? null;
const ip = (args: string[]) =>
  JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' })) as unknown;
process.stdout.write(
  `${JSON.stringify({ files, dirs, networkInterfaces: nodeSystem.networkInterfaces(), ipLink: ip(['link']), ipAddr: ip(['addr']) }, null, 1)}\n`,
);
