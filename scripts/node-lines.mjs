// The Node.js lines netdiag is tested on: the Node that runs this script (the system's, or the
// user's) and the active LTS line, installed from the npm registry into .cache/node/<major>,
// beside the system's Node and never over it. The registry's `node-<platform>-<arch>` package
// (what the `node` package installs) is the official release: bin/node and include/node, whose
// headers node-gyp needs to build an addon for that Node without a download.
//
//   node scripts/node-lines.mjs install   install the LTS line where the running Node is another
//                                          line, and build raw-socket for every line
//   node scripts/node-lines.mjs list      print one `major path` line per Node line, running first
//
// raw-socket is a nan addon: its binary fits one Node ABI (process.versions.modules). npm builds
// it for the Node that ran `npm install` into build/Release; this builds it for each line that
// binary does not fit into build/node-v<ABI>/raw.node, which @netdiag/probe-socket loads where it
// fits the Node in use.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The active LTS line; the suite runs on it as well as on the Node that runs npm. */
export const LTS_MAJOR = 24;

const root = fileURLToPath(new URL('..', import.meta.url));
const binaryPackage = `node-${process.platform}-${process.arch}`;

/** Where the LTS line lives, whether or not it is installed yet. */
export function ltsPrefix() {
  return join(root, '.cache', 'node', String(LTS_MAJOR));
}

function ltsHome() {
  return join(ltsPrefix(), 'node_modules', binaryPackage);
}

/** The lines to test on, running Node first: `{ major, node, home }` (home holds include/node). */
export function nodeLines() {
  const running = Number(process.versions.node.split('.')[0]);
  const lines = [{ major: running, node: process.execPath, home: undefined }];
  const lts = join(ltsHome(), 'bin', 'node');
  if (running !== LTS_MAJOR && existsSync(lts)) lines.push({ major: LTS_MAJOR, node: lts, home: ltsHome() });
  return lines;
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) {
    console.error(`node-lines: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(2);
  }
}

function installLts() {
  const running = Number(process.versions.node.split('.')[0]);
  if (running === LTS_MAJOR) return;
  const prefix = ltsPrefix();
  mkdirSync(prefix, { recursive: true });
  const have = spawnSync(join(ltsHome(), 'bin', 'node'), ['--version'], { encoding: 'utf8' });
  if (have.status === 0 && have.stdout.startsWith(`v${LTS_MAJOR}.`)) return;
  console.log(`node-lines: installing Node ${LTS_MAJOR} (${binaryPackage}) into ${prefix}`);
  run('npm', [
    'install',
    '--prefix',
    prefix,
    '--no-audit',
    '--no-fund',
    '--no-save',
    '--ignore-scripts',
    `${binaryPackage}@${LTS_MAJOR}`,
  ]);
}

/** node-gyp as npm ships it (npm_config_node_gyp inside npm scripts; else beside npm's CLI). */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const r = spawnSync('npm', ['prefix', '-g'], { encoding: 'utf8' });
  const candidates = [
    join(r.stdout?.trim() ?? '', 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c) => existsSync(c));
}

/** Headers of this Node line: its own (LTS), else the first of npm's nodedir and the prefix it runs from. */
function headersOf(line) {
  if (line.home !== undefined) return line.home;
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(realpathSync(line.node)))];
  return candidates.find((dir) => {
    try {
      const h = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
      return Number(/#define NODE_MAJOR_VERSION (\d+)/.exec(h)?.[1]) === line.major;
    } catch {
      return false;
    }
  });
}

/**
 * Builds raw-socket for each line its build/Release binary does not fit (npm built that one for
 * the running Node, with the headers npm's nodedir names: another line's where it is set wrong).
 */
function buildRawSocket() {
  const pkg = join(root, 'node_modules', 'raw-socket');
  if (!existsSync(join(pkg, 'binding.gyp'))) return;
  const gyp = nodeGyp();
  for (const line of nodeLines()) {
    const abi = spawnSync(line.node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
    const target = join(pkg, 'build', `node-v${abi}`, 'raw.node');
    if (existsSync(target)) continue;
    const release = join(pkg, 'build', 'Release', 'raw.node');
    const fits = spawnSync(line.node, ['-e', `require(${JSON.stringify(release)})`], { stdio: 'ignore' });
    if (fits.status === 0) continue;
    const headers = headersOf(line);
    if (headers === undefined) {
      console.error(`node-lines: no headers for Node ${line.major}; raw-socket stays unavailable there`);
      continue;
    }
    if (gyp === undefined) {
      console.error(`node-lines: node-gyp not found; raw-socket stays unavailable on Node ${line.major}`);
      continue;
    }
    // Built in a copy, so that build/Release (npm's build, for the running Node) stays as it is.
    const work = mkdtempSync(join(tmpdir(), 'netdiag-raw-socket-'));
    try {
      cpSync(join(pkg, 'binding.gyp'), join(work, 'binding.gyp'));
      cpSync(join(pkg, 'src'), join(work, 'src'), { recursive: true });
      cpSync(join(root, 'node_modules', 'nan'), join(work, 'node_modules', 'nan'), { recursive: true });
      const r = spawnSync(line.node, [gyp, 'rebuild', `--nodedir=${headers}`], {
        cwd: work,
        encoding: 'utf8',
        // binding.gyp runs `node -e "require('nan')"`: that line's node.
        env: { ...process.env, PATH: `${dirname(line.node)}:${process.env.PATH}` },
      });
      if (r.status !== 0) {
        console.error(`${r.stdout}${r.stderr}`.split('\n').slice(-30).join('\n'));
        console.error(
          `node-lines: raw-socket did not build for Node ${line.major}; it stays unavailable there`,
        );
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(work, 'build', 'Release', 'raw.node'), target);
      console.log(`node-lines: raw-socket built for Node ${line.major} (ABI ${abi})`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv[2];
  if (what === 'install') {
    installLts();
    buildRawSocket();
  } else if (what === 'list') {
    for (const l of nodeLines()) console.log(`${l.major} ${l.node}`);
  } else {
    console.error('usage: node scripts/node-lines.mjs install|list');
    process.exit(2);
  }
}
