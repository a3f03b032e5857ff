// The test command: vitest over every project, then the closing line CI reads,
// `N passed, N failed, N skipped`, counted from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(`${root}test-results`, { recursive: true });
const report = `${root}test-results/vitest.json`;
const r = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
let line = "0 passed, 1 failed";
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  line = `${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + (j.numTodoTests ?? 0)} skipped`;
} catch {}
console.log(line);
process.exit(r.status ?? 1);
