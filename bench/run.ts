// `npm run bench`: every benchmark, one after the other (they share two cores; running them
// side by side would measure each other). Each prints its own table of ratios. Needs root.
// ping and trace put every Node line side by side in one table; the others run once per line.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeLines } from '../scripts/node-lines.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')));
let failed = 0;
const sideBySide = new Set(['ping.ts', 'trace.ts']);
for (const file of benches) {
  for (const { major, node } of sideBySide.has(file) ? nodeLines().slice(0, 1) : nodeLines()) {
    console.log(`\n=== bench/${file}${sideBySide.has(file) ? '' : ` on Node ${major}`}`);
    const r = spawnSync(node, ['--import', 'tsx', `${here}${file}`], { stdio: 'inherit' });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
