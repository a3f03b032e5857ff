// Benchmark: what loading a command's bundle costs, part by part, as apps/netdiag/src/compile-cache.ts
// loads it: reading the bundle and its V8 code cache, compiling from the cache (V8 deserializing
// it), and running the bundle's top level. Each load is a fresh process, on every Node line,
// bundles interleaved; medians. The cache each load reads is one made the way netdiag makes its
// own, after the work: here after the top level ran, so it holds less than a real run's cache and
// these figures are a floor. No peer tool loads bundles: the figures compare bundle layouts (what
// a chunk split, or a dependency dropped, buys each command's start).
// Run: npm run build && node --import tsx bench/bundle-load.ts [loads]   (default 21)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lines, median } from './lib/measure.js';

const dist = fileURLToPath(new URL('../apps/netdiag/dist/', import.meta.url));
const loads = Number(process.argv[2] ?? 21);
const bundles = [
  ...readdirSync(dist).filter((f) => f.endsWith('.cjs') && f !== 'cli.cjs'),
  ...readdirSync(join(dist, 'chunks')).map((f) => `chunks/${f}`),
].filter((f) => f.endsWith('.cjs'));

// The child: loads the bundle as compile-cache.ts does (its text as the build wrapped it, the
// cachedData, then the top level), and prints the three times; with `make`, writes the cache instead.
const CHILD = `
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const [file, cacheFile, make] = process.argv.slice(1);
const t0 = performance.now();
const source = readFileSync(file, 'utf8');
const cachedData = make ? undefined : readFileSync(cacheFile);
const t1 = performance.now();
const script = new Script(source, { filename: file, cachedData });
const t2 = performance.now();
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file), (s) => import(s));
const t3 = performance.now();
if (make) writeFileSync(cacheFile, script.createCachedData());
else console.log(JSON.stringify({ read: t1 - t0, compile: t2 - t1, run: t3 - t2, rejected: script.cachedDataRejected }));
`;

const scratch = mkdtempSync(join(tmpdir(), 'netdiag-bundle-load-'));
try {
  const rows: string[] = [];
  for (const { major, node } of lines) {
    const child = (bundle: string, make: boolean) => {
      const cache = join(scratch, `${major}-${bundle.replace('/', '-')}.v8cache`);
      const r = spawnSync(node, ['-e', CHILD, join(dist, bundle), cache, ...(make ? ['make'] : [])], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`${bundle} on Node ${major}: ${r.stderr}`);
      return make
        ? undefined
        : (JSON.parse(r.stdout) as Record<'read' | 'compile' | 'run', number> & { rejected: boolean });
    };
    for (const b of bundles) child(b, true);
    const samples = new Map(bundles.map((b) => [b, [] as { read: number; compile: number; run: number }[]]));
    for (let i = 0; i < loads; i++)
      for (const b of bundles) {
        const s = child(b, false)!;
        if (s.rejected) throw new Error(`${b} on Node ${major}: V8 refused the cache it just made`);
        samples.get(b)!.push(s);
      }
    for (const b of bundles) {
      const s = samples.get(b)!;
      const m = (k: 'read' | 'compile' | 'run') =>
        median(s.map((x) => x[k]).sort((x, y) => x - y)).toFixed(2);
      rows.push(
        `${`${b} (${major})`.padEnd(30)} ${m('read').padStart(8)} ${m('compile').padStart(9)} ${m('run').padStart(8)}`,
      );
    }
  }
  console.log(`bundle load, medians of ${loads} loads each, ms`);
  console.log(`${'bundle'.padEnd(30)} ${'read'.padStart(8)} ${'compile'.padStart(9)} ${'run'.padStart(8)}`);
  for (const r of rows) console.log(r);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
