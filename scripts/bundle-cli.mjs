// Bundles apps/netdiag into dist/cli.js. Ink and React go into chunks of their own that only a
// TTY view imports, so piped output and --json never pay for them (about 0.5 s here).
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}apps/netdiag/dist`;
// Chunk names carry content hashes: remove the previous build's, or they pile up.
for (const f of readdirSync(outdir, { withFileTypes: true })) {
  if (f.isFile() && /\.js(\.map)?$/.test(f.name)) rmSync(`${outdir}/${f.name}`);
}
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'apps/netdiag/src/main.ts' },
  outdir: 'apps/netdiag/dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // raw-socket loads its .node file relative to itself: keep it outside. Our own addon's wrapper
  // is bundled (it finds its .node file through its package.json), which spares start-up the
  // module loader's round trips through node_modules.
  external: ['raw-socket', 'react-devtools-core'],
  // Some of Ink's dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __netdiagCreateRequire } from 'node:module'; const require = __netdiagCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
