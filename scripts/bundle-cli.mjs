// Bundles apps/netdiag into dist/:
// - cli.cjs: the dispatcher (src/cli.ts), loaded by bin/netdiag.js: it picks the bundle the first
//   argument names and loads it with a V8 code cache (src/compile-cache.ts);
// - <command>.cjs: one CommonJS bundle per command, holding the CLI around it (src/run-cli.ts)
//   and everything the command needs except its Ink view; help.cjs, the CLI alone, for usage,
//   --version and unknown commands. CommonJS because Node 20 starts its ES module loader only for
//   ES modules (3 to 4 ms); one file per command because every extra module costs a resolve, a
//   read and a compile.
// - views/*.mjs: the Ink views and their chunks, ES modules (Ink's layout engine uses top-level
//   await), imported by a command only when it draws on a terminal, so piped output and --json
//   never pay for Ink and React (about 0.5 s here).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// tsc's output of apps/netdiag/src: the loader and the build agree on the wrapper and the names.
import { COMMAND_NAMES } from '../apps/netdiag/dist/tsc/command-names.js';
import { wrapBundle } from '../apps/netdiag/dist/tsc/compile-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const app = `${root}apps/netdiag`;
const outdir = `${app}/dist`;
const commands = [...COMMAND_NAMES, 'help'];

// Chunk names carry content hashes, and the layout changed over time: remove the previous
// build's output (not dist/tsc, tsc's own), or it piles up.
for (const f of readdirSync(outdir, { withFileTypes: true })) {
  if (f.isFile() && /\.(c|m)?js(\.map)?$/.test(f.name)) rmSync(`${outdir}/${f.name}`);
  if (f.isDirectory() && (f.name === 'views' || f.name === 'chunks'))
    rmSync(`${outdir}/${f.name}`, { recursive: true });
}

// Our packages say `"sideEffects": false` (no module of theirs does anything on import but
// declare): a command's bundle then holds only the modules it uses, and statically imported ones
// run their top level inline rather than behind a lazy wrapper (trace.cjs 272 -> 254 kB, ping.cjs
// 106 -> 88 kB).
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Whitespace and comments out, names kept (stack traces and profiles stay readable; the source
  // map has the rest): trace.cjs 323 -> 222 kB and all ASCII (a comment's '×' made the whole
  // source a two-byte string), 1.5 to 2 ms less CPU for `trace -n` on Node 20 and 24 alike
  // (31 runs, interleaved, in the lab).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

// A command imports its view as `../views/<name>-live.js`; in dist that is the view's ES module.
const viewsAsEsm = {
  name: 'views-as-esm',
  setup(b) {
    b.onResolve({ filter: /\/views\/[a-z]+-live\.js$/ }, (a) => ({
      path: `./views/${a.path.split('/').pop().replace(/\.js$/, '.mjs')}`,
      external: true,
    }));
  },
};

/**
 * Packages a command imports only lazily, with import(), and not always: the DNS client (reverse
 * names, not wanted with -n) and the IP data (-z, -y). Bundled into the command, each costs every
 * run its share of the code cache to read and deserialize (trace.cjs: 254 -> 118 kB without them;
 * on Node 24, with the cache a real run made, reading the bundle and its cache 0.41 -> 0.26 ms
 * and compiling from the cache 1.60 -> 1.08 ms, medians of 21 loads; bench/bundle-load.ts times
 * the same parts). As a chunk of its own, dist/chunks/<name>.cjs, it costs only the runs that use
 * it. A command that imports one statically too keeps it inside.
 */
const LAZY_PACKAGES = ['dns-client', 'ip-info'];

const commandOptions = {
  ...common,
  outdir: 'apps/netdiag/dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // raw-socket loads its .node file relative to itself: keep it outside. Our own addon's wrapper
  // is bundled (it finds its .node file through its package.json).
  external: ['raw-socket'],
  // The packages are ES modules that find files next to them through import.meta.url: made on
  // first use (most runs never ask), not by every bundle's first line.
  define: { 'import.meta.url': '__netdiagModule.url' },
  banner: {
    js: "const __netdiagModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
  },
};
const entryOf = (c) => (c === 'cli' ? 'apps/netdiag/src/cli.ts' : `netdiag-entry:${c}`);

// Each bundle's entry: the CLI with its command, as `main(argv, saveCache)` for src/cli.ts. Made
// here rather than kept as ten files that differ by a name.
const entries = {
  name: 'netdiag-entries',
  setup(b) {
    b.onResolve({ filter: /^netdiag-entry:/ }, (a) => ({
      path: a.path.slice('netdiag-entry:'.length),
      namespace: 'netdiag-entry',
    }));
    b.onLoad({ filter: /.*/, namespace: 'netdiag-entry' }, (a) => ({
      resolveDir: `${app}/src`,
      loader: 'ts',
      contents:
        a.path === 'help'
          ? `import { runCli } from './run-cli.ts';
             export function main(argv: string[]): void {
               runCli(argv, async (name) => { throw new Error(\`\${name} is not in help.cjs\`); });
             }`
          : `import { runCli } from './run-cli.ts';
             import { run } from './commands/${a.path}.ts';
             export function main(argv: string[], saveCache: () => void): void {
               runCli(argv, async () => ({ run, saveCache }));
             }`,
    }));
  },
};

// Which lazy packages each command reaches only through import(): from the import graph of a
// first build, following static imports alone from the command's own module.
const graph = await build({
  ...commandOptions,
  write: false,
  metafile: true,
  entryPoints: Object.fromEntries(['cli', ...commands].map((c) => [c, entryOf(c)])),
  plugins: [viewsAsEsm, entries],
});
function reach(command, followDynamic) {
  const seen = new Set();
  const todo = [entryOf(command)];
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of graph.metafile.inputs[file]?.imports ?? [])
      if (!i.external && (followDynamic || i.kind !== 'dynamic-import')) todo.push(i.path);
  }
  return (name) => [...seen].some((f) => f.startsWith(`packages/${name}/`));
}
function chunksOf(command) {
  const anyway = reach(command, true);
  const statically = reach(command, false);
  return LAZY_PACKAGES.filter((name) => anyway(name) && !statically(name));
}

// A lazy package's import() becomes the chunk's: resolved at run time by compile-cache.ts.
const lazyAsChunks = (names) => ({
  name: 'lazy-as-chunks',
  setup(b) {
    b.onResolve({ filter: /^@netdiag\/[a-z-]+$/ }, (a) => {
      const name = a.path.slice('@netdiag/'.length);
      if (a.kind !== 'dynamic-import' || !names.includes(name)) return undefined;
      return { path: `./chunks/${name}.cjs`, external: true };
    });
  },
});

const outputs = [];
const chunked = new Set();
for (const c of ['cli', ...commands]) {
  const names = c === 'cli' ? [] : chunksOf(c);
  for (const n of names) chunked.add(n);
  const r = await build({
    ...commandOptions,
    write: false,
    entryPoints: { [c]: entryOf(c) },
    plugins: [viewsAsEsm, entries, lazyAsChunks(names)],
  });
  outputs.push(...r.outputFiles);
}
if (chunked.size > 0) {
  const r = await build({
    ...commandOptions,
    write: false,
    entryPoints: Object.fromEntries([...chunked].map((n) => [n, `packages/${n}/dist/index.js`])),
    outdir: 'apps/netdiag/dist/chunks',
  });
  outputs.push(...r.outputFiles);
}
// cli.ts compiles command bundles itself (src/compile-cache.ts), and code compiled that way has
// no import() of its own: a command's import() calls go through the `__netdiagImport` its loader
// passes in. Only esbuild's form for an external module, import("specifier"), is expected.
for (const out of outputs) {
  let text = out.text;
  if (/\.cjs$/.test(out.path) && !out.path.endsWith('/cli.cjs')) {
    text = text.replace(/\bimport\((?=")/g, '__netdiagImport(');
    const left = text.match(/\bimport\(/g);
    if (left) throw new Error(`${out.path}: ${left.length} import() calls not of the form import("...")`);
    text = wrapBundle(text);
  }
  mkdirSync(dirname(out.path), { recursive: true });
  writeFileSync(out.path, text);
}

await build({
  ...common,
  entryPoints: readdirSync(`${app}/src/views`)
    .filter((f) => /-live\.tsx$/.test(f))
    .map((f) => `apps/netdiag/src/views/${f}`),
  outdir: 'apps/netdiag/dist/views',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  splitting: true,
  external: ['raw-socket', 'react-devtools-core'],
  // Some of Ink's dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __netdiagCreateRequire } from 'node:module'; const require = __netdiagCreateRequire(import.meta.url);",
  },
});
