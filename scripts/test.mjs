// The test command: vitest over every project, once per Node line that scripts/setup.sh prepared
// (the Node running this, then the LTS line in .cache/node; scripts/node-lines.mjs), each line's
// closing line `node<major>: N passed, N failed, N skipped`, and last the sum over all lines, the
// line CI reads. NETDIAG_TEST_NODE=current runs on the running Node only. Arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeLines } from './node-lines.mjs';
import { combinedLine, reportDir, reportPath, summaryLine } from './test-summary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const lines = process.env.NETDIAG_TEST_NODE === 'current' ? nodeLines().slice(0, 1) : nodeLines();
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
let status = 0;
const summaries = [];
for (const line of lines) {
  if (lines.length > 1) console.log(`\n== the suite on Node ${line.major} (${line.node})\n`);
  const r = spawnSync(
    line.node,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportPath(line.major)}`,
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      // What the tests spawn as `node` (the CLI's shebang, peers' scripts) is this line's too.
      env: { ...process.env, PATH: `${dirname(line.node)}${delimiter}${process.env.PATH ?? ''}` },
    },
  );
  if (r.status !== 0) status = r.status ?? 1;
  summaries.push(summaryLine(line.major));
  console.log(summaries.at(-1));
}
if (lines.length > 1) for (const s of summaries) console.log(s);
console.log(combinedLine(lines.map((l) => l.major)));
process.exit(status);
