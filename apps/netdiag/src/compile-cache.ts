// Loads a command's bundle (dist/<command>.cjs) with a V8 code cache.
//
// Why: most of a short run's time above Node's own start-up is V8 compiling our code, the
// bundle's top level on load and then each function on its first call. A code cache made after a
// run holds every function that run compiled, so the next run skips those compiles (bench/trace.ts
// and the ttl-prober README have the figures). Node 22.1 and later have module.enableCompileCache()
// for this, and it was measured against this on Node 24: it lost there, by 3 ms of CPU for
// `netdiag ping -c 1` and 5 for `netdiag trace -n` (bench/trace.ts; README), because Node writes
// a module's cache right after compiling it, so it holds only what V8 compiled eagerly, while this
// one is made after the run and holds every function the run needed. So this serves every line.
//
// Where: one file per bundle build under the user's cache directory
// (${XDG_CACHE_HOME:-~/.cache}/netdiag), used only when that directory and file belong to the
// user and nobody else may write to them, since cached data is code this process would run (and
// netdiag often runs as root). V8 rejects cached data made by another V8 or with other flags and
// then compiles as usual; the file name carries the bundle's size, mtime and inode, so a rebuilt
// bundle never meets an old cache, and writing a new cache removes that bundle's older ones.
// NETDIAG_NO_COMPILE_CACHE=1 turns it off. A failure here only ever costs the cache.
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
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * How the build writes a bundle (scripts/bundle-cli.mjs): its CommonJS text inside the function
 * the loader calls, so that V8 compiles the file's text as read. Wrapping it at load time made a
 * second copy of the text, and trace.cjs (118 kB) is small enough for both copies to be young
 * objects: they cost a `trace -n` its only scavenge (0.6 to 1 ms on Node 24, --trace-gc).
 */
const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname, __netdiagImport) {';
const BUNDLE_TAIL = '\n})';

/** A bundle's text as the build writes it, for loadBundle. */
export function wrapBundle(text: string): string {
  return `${BUNDLE_HEAD}${text}${BUNDLE_TAIL}`;
}

/** What became of the code cache on this load. */
export type CacheUse = 'used' | 'absent' | 'rejected' | 'off';

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

/**
 * Where a bundle's import() of a chunk goes: `./chunks/<name>.cjs`, a package the build split out
 * of the command's bundle because the command only imports it lazily (the DNS client for names,
 * the IP data for -z): loaded as the bundle was, with a code cache of its own, once per process.
 */
const CHUNK = /^\.\/chunks\/[a-z0-9-]+\.cjs$/;

export function loadBundle<T>(file: string, env: NodeJS.ProcessEnv): LoadedBundle<T> {
  // The chunks this bundle loaded: their caches are saved with its own, once the run is done.
  const chunks = new Map<string, LoadedBundle<unknown>>();
  const importModule = (specifier: string): Promise<unknown> => {
    if (!CHUNK.test(specifier)) return import(specifier);
    try {
      const path = join(dirname(file), specifier);
      let chunk = chunks.get(path);
      if (!chunk) {
        chunk = loadBundle(path, env);
        chunks.set(path, chunk);
      }
      return Promise.resolve(chunk.exports);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const source = readFileSync(file, 'utf8');
  const startedAs = process.geteuid?.();
  const cacheFile = env.NETDIAG_NO_COMPILE_CACHE ? undefined : cachePath(file, env);
  const cachedData = cacheFile === undefined ? undefined : readTrusted(cacheFile);
  // Code compiled by vm.Script has no import() of its own (Node 20 offers one only behind an
  // experimental option that prints a warning): the build rewrites a command's import() calls,
  // of Ink's views, of chunks and of lazily loaded built-in modules, to `__netdiagImport`, which
  // imports from this module (chunks aside). Bundles sit side by side in dist/, so relative
  // specifiers resolve alike.
  if (!source.startsWith(BUNDLE_HEAD)) throw new Error(`${file} is not a netdiag bundle: run npm run build`);
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as T };
  (script.runInThisContext() as Wrapper).call(
    module.exports,
    module.exports,
    bundleRequire(file),
    module,
    file,
    dirname(file),
    importModule,
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
      for (const chunk of chunks.values()) chunk.saveCache();
      // A run that switched users (--user) cannot write the cache of the user it started as.
      if (cacheFile === undefined || cache === 'used' || process.geteuid?.() !== startedAs) return;
      writeAtomically(cacheFile, script.createCachedData());
      pruneOlder(cacheFile, file);
    },
  };
}

/**
 * The `require` a bundle gets. Bundles require only Node's built-in modules (scripts/bundle-cli.mjs
 * keeps every package inside, raw-socket aside, which probe-socket loads through a require of its
 * own): those come straight from process.getBuiltinModule. Anything else goes through a require
 * made for the bundle's file, made on first use only: node:module, which makes it, is not loaded
 * by Node's own start-up, and loading it cost a `trace -n` 0.6 ms on Node 24 (perf, 40 runs).
 */
function bundleRequire(file: string): NodeJS.Require {
  let made: NodeJS.Require | undefined;
  const full = (): NodeJS.Require => (made ??= process.getBuiltinModule('node:module').createRequire(file));
  const require = ((id: string) => process.getBuiltinModule(id) ?? full()(id)) as NodeJS.Require;
  return Object.defineProperties(require, {
    resolve: { get: () => full().resolve },
    cache: { get: () => full().cache },
    main: { get: () => full().main },
    extensions: { get: () => full().extensions },
  });
}

/** The cache file for this build of `file`, or undefined where no safe cache directory exists. */
function cachePath(file: string, env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (base === undefined || !base.startsWith('/')) return undefined;
  const dir = join(base, 'netdiag');
  try {
    // Made only where missing: every run after the first finds it, and a stat is one system call
    // where mkdir's recursive walk is several.
    let made = statSync(dir, { throwIfNoEntry: false });
    if (made === undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      made = statSync(dir);
    }
    if (!ownedAndPrivate(made)) return undefined;
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
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Not even that (the directory is no longer ours to search): nothing was left there either.
    }
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

/** Removes this Node's caches of earlier builds of the same bundle, which no run will read again. */
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
