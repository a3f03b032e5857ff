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
  // Native addons load their .node files by path at run time; keep them outside the bundle.
  external: ['raw-socket', 'react-devtools-core', '@netdiag/native-socket'],
  // Some of Ink's dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __netdiagCreateRequire } from 'node:module'; const require = __netdiagCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
