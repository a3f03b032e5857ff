// The closing lines CI reads: `N passed, N failed, N skipped` per Node line the suite ran on,
// counted from vitest's JSON report for that line, then the same over all lines, last.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const reportDir = fileURLToPath(new URL('../test-results/', import.meta.url));

/** The report of one run: test-results/vitest-node<major>.json. */
export function reportPath(major) {
  return `${reportDir}vitest-node${major}.json`;
}

function counts(path) {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8'));
    return {
      passed: j.numPassedTests,
      failed: j.numFailedTests,
      skipped: j.numPendingTests + (j.numTodoTests ?? 0),
      // A run that died before its report, or whose files failed to load, has not passed.
      broken: j.numFailedTestSuites > 0 && j.numFailedTests === 0 ? 1 : 0,
    };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, broken: 0 };
  }
}

const line = (c) => `${c.passed} passed, ${c.failed + c.broken} failed, ${c.skipped} skipped`;

/** `node<major>: N passed, N failed, N skipped` for one line's run. */
export function summaryLine(major) {
  return `node${major}: ${line(counts(reportPath(major)))}`;
}

/** The sum over every line's report in test-results/ (a missing report counts as a failure). */
export function combinedLine(majors = reportedMajors()) {
  const total = { passed: 0, failed: 0, skipped: 0, broken: 0 };
  if (majors.length === 0) total.failed = 1;
  for (const m of majors) {
    const c = counts(reportPath(m));
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  return line(total);
}

function reportedMajors() {
  try {
    return readdirSync(reportDir)
      .map((f) => /^vitest-node(\d+)\.json$/.exec(f)?.[1])
      .filter((m) => m !== undefined);
  } catch {
    return [];
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(combinedLine());
