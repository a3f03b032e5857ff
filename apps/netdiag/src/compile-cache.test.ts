import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLoader, loadBundle } from './compile-cache.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const cacheDir = () => join(dir, 'cache', 'netdiag');
const caches = () => readdirSync(cacheDir()).filter((f) => f.endsWith('.v8cache'));

// A bundle as the build writes one: CommonJS, its import() calls spelled __netdiagImport().
const bundleText = (answer: number) => `
  const helper = (x) => x * 2;
  module.exports.answer = () => helper(${answer});
  module.exports.os = () => __netdiagImport('node:os').then((m) => typeof m.hostname);
  module.exports.here = () => [__filename, typeof require('node:path').join];
`;

// V8 keeps what one process compiled, whatever the cache says: whether a cache file was used or
// refused shows only in a fresh process. Each of these loads one bundle, saves, and reports.
const loader = fileURLToPath(new URL('./compile-cache.ts', import.meta.url));
function loadInChild(file: string, extraEnv: NodeJS.ProcessEnv = {}): { cache: string; answer: number } {
  const script = `
    import { loadBundle } from ${JSON.stringify(loader)};
    const b = loadBundle(${JSON.stringify(file)}, process.env, 'vm');
    const answer = b.exports.answer();
    b.saveCache();
    console.log(JSON.stringify({ cache: b.cache, answer }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env, ...extraEnv },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { cache: string; answer: number };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netdiag-cc-'));
  env = { XDG_CACHE_HOME: join(dir, 'cache') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Bundle = { answer(): number; os(): Promise<string>; here(): [string, string] };

describe('loadBundle with our own V8 code cache (vm.Script; what Node 20 uses)', () => {
  it('runs the bundle with require, __filename and an import(), as a CommonJS module', async () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(file, bundleText(21));
    const b = loadBundle<Bundle>(file, env, 'vm');
    expect(b.exports.answer()).toBe(42);
    expect(await b.exports.os()).toBe('function');
    expect(b.exports.here()).toEqual([file, 'function']);
  });

  it('saves a cache private to its owner, and the next process compiles from it', () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(file, bundleText(21));
    expect(loadInChild(file)).toEqual({ cache: 'absent', answer: 42 });
    expect(caches()).toHaveLength(1);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir(), caches()[0]!)).mode & 0o777).toBe(0o600);
    expect(loadInChild(file)).toEqual({ cache: 'used', answer: 42 });
  });

  it('never reads a cache others could have written, and compiles anew when V8 refuses one', () => {
    const file = join(dir, 'ping.cjs');
    writeFileSync(file, bundleText(1));
    loadInChild(file);
    const cached = join(cacheDir(), caches()[0]!);
    chmodSync(cached, 0o666);
    expect(loadInChild(file).cache).toBe('absent');
    chmodSync(cached, 0o600);
    chmodSync(cacheDir(), 0o777);
    expect(loadInChild(file).cache).toBe('off');
    chmodSync(cacheDir(), 0o700);
    writeFileSync(cached, Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(loadInChild(file)).toEqual({ cache: 'rejected', answer: 2 });
    // The refused cache was replaced by a good one.
    expect(loadInChild(file)).toEqual({ cache: 'used', answer: 2 });
  });

  it('keeps one cache per bundle: a rebuilt bundle gets a new one and the old one goes', () => {
    const file = join(dir, 'netstat.cjs');
    const other = join(dir, 'lookup.cjs');
    writeFileSync(file, bundleText(1));
    writeFileSync(other, bundleText(3));
    loadBundle(file, env, 'vm').saveCache();
    loadBundle(other, env, 'vm').saveCache();
    const before = caches();
    expect(before).toHaveLength(2);
    writeFileSync(file, `${bundleText(2)}\n// rebuilt`);
    const rebuilt = loadBundle<Bundle>(file, env, 'vm');
    expect(rebuilt.cache).toBe('absent');
    expect(rebuilt.exports.answer()).toBe(4);
    rebuilt.saveCache();
    const after = caches();
    const of = (names: string[], bundle: string) => names.filter((f) => f.startsWith(`${bundle}-`));
    expect(after).toHaveLength(2);
    expect(of(after, 'lookup.cjs')).toEqual(of(before, 'lookup.cjs'));
    expect(of(after, 'netstat.cjs')).not.toEqual(of(before, 'netstat.cjs'));
  });

  it('keeps the caches of two installs apart, though their bundles share a name', () => {
    const installs = [join(dir, 'global'), join(dir, 'project')];
    for (const [k, d] of installs.entries()) {
      mkdirSync(d);
      writeFileSync(join(d, 'trace.cjs'), bundleText(k + 1));
      loadBundle(join(d, 'trace.cjs'), env, 'vm').saveCache();
    }
    expect(caches()).toHaveLength(2);
    expect(loadInChild(join(installs[0]!, 'trace.cjs'))).toEqual({ cache: 'used', answer: 2 });
    expect(loadInChild(join(installs[1]!, 'trace.cjs'))).toEqual({ cache: 'used', answer: 4 });
  });

  it('is off with NETDIAG_NO_COMPILE_CACHE, or with no absolute cache directory to use', () => {
    const file = join(dir, 'if.cjs');
    writeFileSync(file, bundleText(5));
    expect(loadBundle(file, { ...env, NETDIAG_NO_COMPILE_CACHE: '1' }, 'vm').cache).toBe('off');
    expect(loadBundle(file, { XDG_CACHE_HOME: 'relative/dir' }, 'vm').cache).toBe('off');
    const off = loadBundle<Bundle>(file, {}, 'vm');
    expect(off.cache).toBe('off');
    off.saveCache();
    expect(off.exports.answer()).toBe(10);
  });
});

const hasModuleCache = 'enableCompileCache' in (await import('node:module')).default;

describe.skipIf(!hasModuleCache)("loadBundle with Node's module compile cache (Node 22.1+)", () => {
  it('is the default where Node has one', () => {
    expect(defaultLoader).toBe('module');
  });

  it('runs the bundle as a CommonJS module, its import() included, and Node writes the cache', () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(file, bundleText(21));
    const script = `
      import { loadBundle } from ${JSON.stringify(loader)};
      const b = loadBundle(${JSON.stringify(file)}, process.env, 'module');
      console.log(JSON.stringify({ cache: b.cache, answer: b.exports.answer(), os: await b.exports.os(), here: b.exports.here() }));`;
    const child = () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    };
    expect(child()).toEqual({ cache: 'node', answer: 42, os: 'function', here: [file, 'function'] });
    const nodeCache = join(cacheDir(), 'node-compile-cache');
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(readdirSync(nodeCache, { recursive: true }).length).toBeGreaterThan(0);
    expect(child()).toMatchObject({ cache: 'node', answer: 42 });
  });

  it('is off with NETDIAG_NO_COMPILE_CACHE, or where the cache directory is not private', () => {
    const file = join(dir, 'if.cjs');
    writeFileSync(file, bundleText(5));
    expect(loadBundle(file, { ...env, NETDIAG_NO_COMPILE_CACHE: '1' }, 'module').cache).toBe('off');
    mkdirSync(cacheDir(), { recursive: true });
    chmodSync(cacheDir(), 0o777);
    const b = loadBundle<Bundle>(file, env, 'module');
    expect(b.cache).toBe('off');
    expect(b.exports.answer()).toBe(10);
  });
});
