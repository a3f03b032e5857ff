// Preloaded into a process under test (`node --expose-gc --import THIS ...`): at each of the
// times NETDIAG_TEST_SAMPLE_AT lists (milliseconds from start, comma-separated) it collects
// garbage and writes one line to stderr, `netdiag-test-memory {...}`: the JavaScript heap in use,
// the memory of typed arrays and buffers, and the peak RSS so far. So a test can see whether a
// command's memory grows with its run without the command knowing it is measured.
import { writeSync } from 'node:fs';

const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('memory-sampler: run node with --expose-gc');
const started = performance.now();
for (const at of (process.env.NETDIAG_TEST_SAMPLE_AT ?? '').split(',').filter(Boolean).map(Number)) {
  setTimeout(() => {
    gc();
    const m = process.memoryUsage();
    const sample = {
      ms: Math.round(performance.now() - started),
      heapUsed: m.heapUsed,
      external: m.external,
      maxRssKiB: process.resourceUsage().maxRSS,
    };
    writeSync(2, `netdiag-test-memory ${JSON.stringify(sample)}\n`);
  }, at).unref();
}
