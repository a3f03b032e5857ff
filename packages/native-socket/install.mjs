// The package's install script: keeps the prebuilt binary where it loads, builds from source
// only where it does not (another platform, an older C library) or where this is a checkout,
// whose sources may be ahead of any binary. Never fails the install: without the addon, netdiag
// says in one line what is missing and falls back to raw-socket.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const prebuilt = join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'native_socket.node');
const installed = dir.split('/').includes('node_modules');

if (installed && existsSync(prebuilt)) {
  // Loaded in a child: a binary that does not fit must not take this process down.
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(prebuilt)})`], { encoding: 'utf8' });
  if (r.status === 0) process.exit(0);
  console.log(
    `@netdiag/native-socket: the prebuilt addon does not load here (${r.stderr.trim().split('\n')[0]}); building it`,
  );
}
const gyp = process.env.npm_config_node_gyp;
const r = gyp
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: dir, stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild'], { cwd: dir, stdio: 'inherit' });
if (r.status !== 0)
  console.log(
    '@netdiag/native-socket: the native addon did not build (a C++ compiler, make and python3 are needed); netdiag falls back to raw-socket',
  );
