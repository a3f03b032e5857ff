// Loads a command's bundle (dist/<command>.cjs) with a compile cache: Node's own where it has one
// (module.enableCompileCache(), Node 22.1 and later), else a V8 code cache of our own.
//
// Why: most of a short run's time above Node's own start-up is V8 compiling our code, the
// bundle's top level on load and then each function on its first call. A code cache skips those
// compiles (bench/trace.ts and the ttl-prober README have the figures).
//
// Which: measured on both lines (CPU time of `netdiag trace --help`, 40 runs each, README), on
// Node 24 Node's module compile cache with a plain require() beats our vm.Script cache by about
// 6 ms: it needs no node:vm and V8's cache is checked by Node against the source itself. Node 20
// has no module.enableCompileCache(), so there this does the same with vm.Script's cachedData.
//
// Where: under the user's cache directory (${XDG_CACHE_HOME:-~/.cache}/netdiag), used only when
// that directory belongs to the user and nobody else may write to it, since cached data is code
// this process would run (and netdiag often runs as root). For our own cache: one file per bundle
// build, used only when it too is the user's alone; V8 rejects cached data made by another V8 or
// with other flags and then compiles as usual; the file name carries the bundle's size, mtime and
// inode, so a rebuilt bundle never meets an old cache, and writing a new cache removes that
// bundle's older ones. NETDIAG_NO_COMPILE_CACHE=1 turns either off. A failure here only ever costs
// the cache.
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import moduleApi, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Script as VmScript } from 'node:vm';

/** What became of the code cache on this load ('node': Node's module compile cache is on). */
export type CacheUse = 'used' | 'absent' | 'rejected' | 'off' | 'node';

/** How a bundle is loaded: required under Node's module compile cache, or through vm.Script. */
export type Loader = 'module' | 'vm';

type EnableCompileCache = (dir: string) => { status: number };
// Typed here: @types/node follows Node 20, the oldest line we support, which has neither.
const { enableCompileCache, constants } = moduleApi as {
  enableCompileCache?: EnableCompileCache;
  constants?: { compileCacheStatus?: { ENABLED: number; ALREADY_ENABLED: number } };
};
const compileCacheStatus = constants?.compileCacheStatus;

/**
 * Node's module compile cache where this Node has one (22.1 and later), else our own.
 * NETDIAG_LOADER=vm picks ours on any line (the benchmarks compare the two that way).
 */
export const defaultLoader: Loader =
  enableCompileCache === undefined || process.env.NETDIAG_LOADER === 'vm' ? 'vm' : 'module';

export interface LoadedBundle<T> {
  readonly exports: T;
  readonly cache: CacheUse;
  /** Writes the code cache where there was none or V8 refused it: call once the work is done. */
  saveCache(): void;
}

type Wrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
  importModule: (specifier: string) => Promise<unknown>,
) => void;

export function loadBundle<T>(
  file: string,
  env: NodeJS.ProcessEnv,
  loader: Loader = defaultLoader,
): LoadedBundle<T> {
  if (loader === 'module') return requireBundle(file, env);
  const source = readFileSync(file, 'utf8');
  const cacheFile = env.NETDIAG_NO_COMPILE_CACHE ? undefined : cachePath(file, env);
  const cachedData = cacheFile === undefined ? undefined : readTrusted(cacheFile);
  // Code compiled by vm.Script has no import() of its own (Node 20 offers one only behind an
  // experimental option that prints a warning): the build rewrites a command's import() calls,
  // of Ink's views and of lazily loaded built-in modules, to `__netdiagImport`, which imports from
  // this module. Bundles sit side by side in dist/, so relative specifiers resolve alike.
  // node:vm only where it is used: on Node 22.1+ no run loads it.
  const { Script } = createRequire(file)('node:vm') as { Script: typeof VmScript };
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __netdiagImport) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const module = { exports: {} as T };
  (script.runInThisContext() as Wrapper).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    (specifier) => import(specifier),
  );
  const cache: CacheUse =
    cacheFile === undefined
      ? 'off'
      : cachedData === undefined
        ? 'absent'
        : script.cachedDataRejected
          ? 'rejected'
          : 'used';
  return {
    exports: module.exports,
    cache,
    saveCache: () => {
      if (cacheFile === undefined || cache === 'used') return;
      writeAtomically(cacheFile, script.createCachedData());
      pruneOlder(cacheFile, file);
    },
  };
}

/**
 * Node 22.1+: the bundle required as a CommonJS module under Node's compile cache. Its import()
 * calls (spelled __netdiagImport by the build) go through a global that imports from here: the
 * bundles sit side by side in dist/, so relative specifiers resolve alike.
 */
function requireBundle<T>(file: string, env: NodeJS.ProcessEnv): LoadedBundle<T> {
  const dir = env.NETDIAG_NO_COMPILE_CACHE ? undefined : cacheDirectory(env);
  let cache: CacheUse = 'off';
  if (dir !== undefined && enableCompileCache !== undefined) {
    try {
      const { status } = enableCompileCache(join(dir, 'node-compile-cache'));
      if (status === compileCacheStatus?.ENABLED || status === compileCacheStatus?.ALREADY_ENABLED)
        cache = 'node';
    } catch {
      // An unwritable directory: the bundle compiles as it would without a cache.
    }
  }
  (globalThis as { __netdiagImport?: (specifier: string) => Promise<unknown> }).__netdiagImport = (
    specifier,
  ) => import(specifier);
  // Node writes the cache itself, at exit.
  return { exports: createRequire(file)(file) as T, cache, saveCache: () => {} };
}

/** The user's private netdiag cache directory, made if need be; undefined where none is safe. */
function cacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (base === undefined || !base.startsWith('/')) return undefined;
  const dir = join(base, 'netdiag');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return ownedAndPrivate(statSync(dir)) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The cache file for this build of `file`, or undefined where no safe cache directory exists. */
function cachePath(file: string, env: NodeJS.ProcessEnv): string | undefined {
  const dir = cacheDirectory(env);
  if (dir === undefined) return undefined;
  try {
    const s = statSync(file);
    const build = `${s.size}-${Math.trunc(s.mtimeMs)}-${s.ino}`;
    return join(dir, `${cacheStem(file)}${build}-${process.version}-${process.arch}.v8cache`);
  } catch {
    return undefined;
  }
}

function ownedAndPrivate(s: { uid: number; mode: number }): boolean {
  return s.uid === process.geteuid?.() && (s.mode & 0o022) === 0;
}

/** The file's bytes if it is ours and nobody else could have written it. */
function readTrusted(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (!ownedAndPrivate(fstatSync(fd))) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Several netdiag runs may write at once: each writes its own file and renames it into place. */
function writeAtomically(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A full disk or a read-only home: the next run compiles as this one did.
    rmSync(tmp, { force: true });
  }
}

/**
 * What every cache of this bundle's file name starts with: its name and where it is installed, so
 * that two installs on one machine (a global one and a project's) do not evict each other.
 */
function cacheStem(file: string): string {
  // FNV-1a over the directory's path: a name, not a secret, and node:crypto is not loaded yet.
  let h = 0x811c9dc5;
  const where = dirname(file);
  for (let i = 0; i < where.length; i++) h = Math.imul(h ^ where.charCodeAt(i), 0x01000193) >>> 0;
  return `${basename(file)}-${h.toString(16).padStart(8, '0')}-`;
}

/** Removes the caches of earlier builds of the same bundle for this Node, which no run will read again. */
function pruneOlder(current: string, bundle: string): void {
  const dir = dirname(current);
  const prefix = cacheStem(bundle);
  try {
    // Only this Node's: a machine with two Node lines keeps a cache for each.
    const suffix = `-${process.version}-${process.arch}.v8cache`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && name.endsWith(suffix) && join(dir, name) !== current)
        rmSync(join(dir, name), { force: true });
    }
  } catch {
    // Nothing to gain from failing here.
  }
}
