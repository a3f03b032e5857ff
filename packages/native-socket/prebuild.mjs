// prepack: builds the addon from this package's sources and puts it where a packed package looks
// for it, prebuilds/<platform>-<arch>/native_socket.node. Built at every pack, never committed, so
// a tarball's binary is always of the sources beside it; built in a copy of the sources, so that
// packing never touches the checkout's build/ (a running test or netdiag may have it loaded).
// postpack removes prebuilds/ again: a checkout never runs a binary older than its sources.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const prebuilds = join(dir, 'prebuilds');
if (process.argv[2] === 'clean') {
  rmSync(prebuilds, { recursive: true, force: true });
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'netdiag-prebuild-'));
try {
  cpSync(join(dir, 'binding.gyp'), join(work, 'binding.gyp'));
  mkdirSync(join(work, 'src'));
  for (const f of readdirSync(join(dir, 'src')).filter((f) => /\.(cc|h)$/.test(f)))
    copyFileSync(join(dir, 'src', f), join(work, 'src', f));
  // binding.gyp asks node-addon-api for its headers: the one this package resolves.
  const addonApi = dirname(createRequire(join(dir, 'package.json')).resolve('node-addon-api/package.json'));
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(addonApi, join(work, 'node_modules', 'node-addon-api'));
  const gyp = process.env.npm_config_node_gyp;
  const r = gyp
    ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] })
    : spawnSync('node-gyp', ['rebuild'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('@netdiag/native-socket: prepack: the addon did not build; not packing without it');
    process.exit(1);
  }
  const target = join(prebuilds, `${process.platform}-${process.arch}`, 'native_socket.node');
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(work, 'build', 'Release', 'native_socket.node'), target);
  // Debug information only makes the tarball larger.
  spawnSync('strip', ['--strip-unneeded', target]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
