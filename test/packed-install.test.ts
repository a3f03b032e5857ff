import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { exec } from './lab/run.js';
import { repoRoot } from './support/cli.js';

// The packages as a new user gets them: each workspace packed by `npm pack` (native-socket's
// prepack builds its prebuilt binary from the sources), installed from the tarballs into an empty
// project by the npm of the Node running the test, then their README examples run, all inside a
// mount namespace where no compiler can be found (g++, gcc, cc, make and every python are covered
// by a stub that exits 127) and `node` is that Node and nothing else. So the install must take the
// prebuilt addon: nothing could have built it. `npm test` runs it once per Node line (20 and 24).
// Node 22.18 and later run a TypeScript example as it is; before that (Node 20), the example's
// types are stripped by esbuild first, as a user's own build would, and the JavaScript is run.

const major = Number(process.versions.node.split('.')[0]);
const hidden = [
  'g++',
  'gcc',
  'cc',
  'c++',
  'make',
  'python3',
  'python',
  'x86_64-linux-gnu-g++',
  'x86_64-linux-gnu-gcc',
];

const [minor] = process.versions.node.split('.').slice(1).map(Number);
const runsTypeScript = major > 22 || (major === 22 && minor! >= 18);

describe.skipIf(process.getuid?.() !== 0)(`packed packages, no compiler, Node ${major} only`, () => {
  const lab = useLab();
  const work = mkdtempSync(join(tmpdir(), 'netdiag-packed-'));
  const project = join(work, 'project');
  const bin = join(work, 'bin');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** argv run with the compilers hidden, `node` being this Node and PATH only bin/ and the system's. */
  const sealed = (argv: readonly string[], ns?: string): string[] => [
    'unshare',
    '-m',
    '--propagation',
    'private',
    join(work, 'seal.sh'),
    ...(ns === undefined ? [] : ['ip', 'netns', 'exec', ns]),
    'env',
    `PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    `HOME=${process.env.HOME ?? '/root'}`,
    ...argv,
  ];

  beforeAll(() => {
    mkdirSync(project);
    mkdirSync(bin);
    // npm's own CLI (whichever Node installed it, it is JavaScript) run by this Node.
    const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec ${process.execPath} ${npmCli} "$@"\n`);
    writeFileSync(join(work, 'missing'), '#!/bin/sh\necho "$0: not on this machine" >&2\nexit 127\n');
    // Covers every compiler and python the system has (pyenv's too), and the system's node.
    const covered = ['/usr/bin', '/usr/local/bin', '/bin'].flatMap((d) =>
      readdirSync(d)
        .filter((f) =>
          hidden.some((h) => f === h || (f.startsWith(h) && /^[\d.-]+$/.test(f.slice(h.length)))),
        )
        .map((f) => join(d, f)),
    );
    const lines = [
      '#!/bin/sh',
      'set -e',
      ...covered.map((f) => `mount --bind ${join(work, 'missing')} ${f}`),
      ...(existsSync('/usr/bin/node') ? [`mount --bind ${process.execPath} /usr/bin/node`] : []),
      ...(existsSync('/root/.pyenv') ? ['mount -t tmpfs none /root/.pyenv'] : []),
      'exec "$@"',
    ];
    writeFileSync(join(work, 'seal.sh'), `${lines.join('\n')}\n`);
    for (const f of ['node', 'npm']
      .map((n) => join(bin, n))
      .concat(join(work, 'missing'), join(work, 'seal.sh')))
      chmodSync(f, 0o755);

    // Every workspace package and the CLI, packed as `npm publish` would. native-socket's
    // prepack builds the prebuilt binary (in a copy of its sources); the others' prepack only
    // rebuilds what the suite's build made, and rewriting the CLI's bundles under tests that
    // run them would test nothing: they are packed as built.
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const pack = (workspace: string, ...flags: string[]) =>
      execFileSync('npm', ['pack', '-w', workspace, '--pack-destination', packs, ...flags], {
        cwd: repoRoot,
        stdio: 'ignore',
      });
    pack('@netdiag/native-socket');
    for (const dir of readdirSync(`${repoRoot}packages`).filter((d) => d !== 'native-socket'))
      pack(`packages/${dir}`, '--ignore-scripts');
    pack('apps/netdiag', '--ignore-scripts');
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user', private: true, type: 'module' }),
    );
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    const [cmd, ...args] = sealed(['npm', 'install', '--no-audit', '--no-fund', ...tarballs]);
    execFileSync(cmd!, args, { cwd: project, stdio: 'ignore' });
    mkdirSync(join(project, 'examples'));
  }, 300_000);

  it(`hides the compilers and every node but Node ${major}`, async () => {
    for (const tool of ['g++', 'make', 'python3']) {
      const r = await exec(sealed(['sh', '-c', `${tool} --version`]));
      expect(r.code, tool).not.toBe(0);
    }
    const r = await exec(sealed(['sh', '-c', 'node --version; /usr/bin/node --version']));
    expect(r.stdout).toBe(`${process.version}\n${process.version}\n`);
  });

  it('installed the prebuilt addon and built none', () => {
    const installed = join(project, 'node_modules/@netdiag/native-socket');
    expect(existsSync(join(installed, 'prebuilds/linux-x64/native_socket.node'))).toBe(true);
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  const examples = readdirSync(`${repoRoot}packages`).flatMap((pkg) => {
    const dir = `${repoRoot}packages/${pkg}/examples`;
    if (!existsSync(dir)) return [];
    return (
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => ({ pkg, file: `${dir}/${f}` }))
        // One that imports the repository's test support (dns-client's starts knotd) cannot run
        // outside it.
        .filter((e) => !/from '\.\.\/\.\.\/\.\.\//.test(readFileSync(e.file, 'utf8')))
    );
  });

  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const { pkg, file } of examples) {
    it(`runs ${pkg}'s example ${runsTypeScript ? 'as TypeScript' : 'with its types stripped'} on Node ${major}`, async () => {
      const name = `${pkg}-${file.split('/').pop()}`;
      const copy = join(project, 'examples', runsTypeScript ? name : name.replace(/\.ts$/, '.mjs'));
      if (runsTypeScript) copyFileSync(file, copy);
      else
        writeFileSync(
          copy,
          transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' }).code,
        );
      const r = await exec(sealed(['node', copy]), { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).not.toBe('');
    });
  }

  it("runs the README's library example in the lab", async () => {
    const readme = readFileSync(`${repoRoot}README.md`, 'utf8');
    const code = /## Library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toContain("from '@netdiag/icmp'");
    const target = lab.addr('t3', 4);
    const file = join(project, 'readme.mjs');
    // Hop names off: the lab has no name server, and no query may leave it for the system's.
    writeFileSync(
      file,
      code!
        .replaceAll("'192.0.2.1'", `'${target}'`)
        .replace('cycles: 3 }', 'cycles: 3, resolveNames: false }'),
    );
    const r = await exec(sealed(['node', file], lab.ns('client')), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    // Five replies (seq and RTT), the summary, then the hops of three cycles ending at the target.
    expect(r.stdout.match(/^\d+ \d+(\.\d+)?$/gm)).toHaveLength(5);
    expect(r.stdout).toContain(target);
  });

  it('runs the CLI from its tarball: --version, ping', async () => {
    const cli = join(project, 'node_modules/.bin/netdiag');
    const version = await exec(sealed([cli, '--version']));
    expect(version.stdout).toContain(`Node.js ${process.version}`);
    const ping = await exec(sealed([cli, 'ping', '-c', '1', lab.addr('t3', 4)], lab.ns('client')), {
      timeoutMs: 20_000,
    });
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/1 packets transmitted, 1 received/);
  });
});
