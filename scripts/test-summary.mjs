// The closing line CI reads, `N passed, N failed, N skipped`, counted from vitest's JSON report.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const reportPath = fileURLToPath(new URL('../test-results/vitest.json', import.meta.url));

export function summaryLine() {
  try {
    const j = JSON.parse(readFileSync(reportPath, 'utf8'));
    return `${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + (j.numTodoTests ?? 0)} skipped`;
  } catch {
    return '0 passed, 1 failed';
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(summaryLine());
