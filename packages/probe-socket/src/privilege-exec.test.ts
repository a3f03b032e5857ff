import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// After the drop, nothing this process runs may start with a capability: not a program run as
// uid 0 (which, without no_new_privs or SECBIT_NOROOT, starts with every capability of the
// bounding set), from the thread that runs JavaScript or from a worker's, which the drop reaches
// with no_new_privs and securebits but whose bounding set it leaves (see native-socket's
// privilege.cc). The drop is for good, so it runs in a child process.
const child = `
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { dropPrivileges } from '@netdiag/probe-socket';
const worker = new Worker(
  "import { parentPort } from 'node:worker_threads'; import { execFileSync } from 'node:child_process';" +
  "parentPort.on('message', () => parentPort.postMessage(execFileSync('grep', ['-E', '^(Uid|CapPrm|CapEff|CapAmb)', '/proc/self/status'], { encoding: 'utf8' })));",
  { eval: true },
);
await new Promise((r) => worker.once('online', r));
await dropPrivileges();
const fromMain = execFileSync('grep', ['-E', '^(Uid|CapPrm|CapEff|CapAmb)', '/proc/self/status'], { encoding: 'utf8' });
worker.postMessage('go');
const fromWorker = await new Promise((r) => worker.once('message', r));
await worker.terminate();
console.log(JSON.stringify({ fromMain, fromWorker }));
`;

describe.skipIf(process.getuid?.() !== 0)('after dropPrivileges, as root', () => {
  it('a program run from the main thread or a worker starts with no capability, though still uid 0', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    const { fromMain, fromWorker } = JSON.parse(out) as { fromMain: string; fromWorker: string };
    for (const status of [fromMain, fromWorker]) {
      expect(status).toMatch(/^Uid:\s+0\s+0\s+0\s+0$/m);
      for (const set of ['CapPrm', 'CapEff', 'CapAmb'])
        expect(status).toMatch(new RegExp(`^${set}:\\s+0{16}$`, 'm'));
    }
  });
});
