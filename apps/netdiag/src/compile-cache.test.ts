import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle, wrapBundle } from './compile-cache.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const cacheDir = () => join(dir, 'cache', 'netdiag');
const caches = () => readdirSync(cacheDir()).filter((f) => f.endsWith('.v8cache'));

// A bundle as the build writes one: CommonJS, its import() calls spelled __netdiagImport().
const bundleText = (answer: number) =>
  wrapBundle(`
  const helper = (x) => x * 2;
  module.exports.answer = () => helper(${answer});
  module.exports.os = () => __netdiagImport('node:os').then((m) => typeof m.hostname);
  module.exports.here = () => [__filename, typeof require('node:path').join];
`);

// V8 keeps what one process compiled, whatever the cache says: whether a cache file was used or
// refused shows only in a fresh process. Each of these loads one bundle, saves, and reports.
const loader = fileURLToPath(new URL('./compile-cache.ts', import.meta.url));
function loadInChild(file: string, extraEnv: NodeJS.ProcessEnv = {}): { cache: string; answer: number } {
  const script = `
    import { loadBundle } from ${JSON.stringify(loader)};
    const b = loadBundle(${JSON.stringify(file)}, process.env);
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

describe('loadBundle', () => {
  it('runs the bundle with require, __filename and an import(), as a CommonJS module', async () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(file, bundleText(21));
    const b = loadBundle<Bundle>(file, env);
    expect(b.exports.answer()).toBe(42);
    expect(await b.exports.os()).toBe('function');
    expect(b.exports.here()).toEqual([file, 'function']);
  });

  it('loads a chunk the bundle imports once, from dist/chunks, and saves its cache with the bundle', async () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(
      file,
      wrapBundle(`module.exports.names = () => Promise.all([__netdiagImport('./chunks/names.cjs'), __netdiagImport('./chunks/names.cjs')])
        .then(([a, b]) => [a === b, a.lookup(), a.where]);
       module.exports.missing = () => __netdiagImport('./chunks/absent.cjs');`),
    );
    mkdirSync(join(dir, 'chunks'));
    writeFileSync(
      join(dir, 'chunks', 'names.cjs'),
      wrapBundle(`module.exports.lookup = () => 'r1'; module.exports.where = __filename;`),
    );
    const b = loadBundle<{ names(): Promise<[boolean, string, string]>; missing(): Promise<unknown> }>(
      file,
      env,
    );
    expect(await b.exports.names()).toEqual([true, 'r1', join(dir, 'chunks', 'names.cjs')]);
    await expect(b.exports.missing()).rejects.toMatchObject({ code: 'ENOENT' });
    b.saveCache();
    expect(
      caches()
        .map((f) => f.split('-')[0])
        .sort(),
    ).toEqual(['names.cjs', 'trace.cjs']);
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
    loadBundle(file, env).saveCache();
    loadBundle(other, env).saveCache();
    const before = caches();
    expect(before).toHaveLength(2);
    writeFileSync(file, `${bundleText(2)}\n// rebuilt`);
    const rebuilt = loadBundle<Bundle>(file, env);
    expect(rebuilt.cache).toBe('absent');
    expect(rebuilt.exports.answer()).toBe(4);
    rebuilt.saveCache();
    const after = caches();
    const of = (names: string[], bundle: string) => names.filter((f) => f.startsWith(`${bundle}-`));
    expect(after).toHaveLength(2);
    expect(of(after, 'lookup.cjs')).toEqual(of(before, 'lookup.cjs'));
    expect(of(after, 'netstat.cjs')).not.toEqual(of(before, 'netstat.cjs'));
  });

  it("keeps each Node line's cache: one made by another Node is neither read nor removed", () => {
    const file = join(dir, 'trace.cjs');
    writeFileSync(file, bundleText(21));
    loadBundle(file, env).saveCache();
    const [ours] = caches();
    // The same bundle's cache as another Node line would name it.
    const other = ours!.replace(`-${process.version}-`, '-v99.0.0-');
    writeFileSync(join(cacheDir(), other), Buffer.alloc(64, 1), { mode: 0o600 });
    writeFileSync(file, `${bundleText(21)}\n// rebuilt`);
    loadBundle(file, env).saveCache();
    expect(caches()).toContain(other);
    expect(caches()).toHaveLength(2);
  });

  it('keeps the caches of two installs apart, though their bundles share a name', () => {
    const installs = [join(dir, 'global'), join(dir, 'project')];
    for (const [k, d] of installs.entries()) {
      mkdirSync(d);
      writeFileSync(join(d, 'trace.cjs'), bundleText(k + 1));
      loadBundle(join(d, 'trace.cjs'), env).saveCache();
    }
    expect(caches()).toHaveLength(2);
    expect(loadInChild(join(installs[0]!, 'trace.cjs'))).toEqual({ cache: 'used', answer: 2 });
    expect(loadInChild(join(installs[1]!, 'trace.cjs'))).toEqual({ cache: 'used', answer: 4 });
  });

  it('is off with NETDIAG_NO_COMPILE_CACHE, or with no absolute cache directory to use', () => {
    const file = join(dir, 'if.cjs');
    writeFileSync(file, bundleText(5));
    expect(loadBundle(file, { ...env, NETDIAG_NO_COMPILE_CACHE: '1' }).cache).toBe('off');
    expect(loadBundle(file, { XDG_CACHE_HOME: 'relative/dir' }).cache).toBe('off');
    const off = loadBundle<Bundle>(file, {});
    expect(off.cache).toBe('off');
    off.saveCache();
    expect(off.exports.answer()).toBe(10);
  });
});
