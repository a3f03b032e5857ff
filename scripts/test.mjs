// The test command: vitest over every project, then the closing line CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportPath, summaryLine } from './test-summary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(dirname(reportPath), { recursive: true });
rmSync(reportPath, { force: true });
const r = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportPath}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);
console.log(summaryLine());
process.exit(r.status ?? 1);
