import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// checkThreadPrivileges reads every thread's /proc status in the addon, apart from what the
// drop's signal handlers reported. It must fail where a thread holds more than was kept: before
// any drop (root holds every capability), against a narrower set than was kept, and against
// another uid. The drop is for good, so it runs in a child process, with a worker for one more
// thread of JavaScript's own.
const child = `
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { checkThreadPrivileges, dropThreadPrivileges } from '@netdiag/native-socket';
const attempt = (f) => { try { return { ok: f() }; } catch (e) { return { error: e.message }; } };
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
const out = { before: attempt(() => checkThreadPrivileges([], null)) };
dropThreadPrivileges([13], null);
out.kept = attempt(() => checkThreadPrivileges([13], null));
out.none = attempt(() => checkThreadPrivileges([], null));
out.otherUser = attempt(() => checkThreadPrivileges([13], 65534));
out.threads = readdirSync('/proc/self/task').length;
await worker.terminate();
console.log(JSON.stringify(out));
`;

type Attempt = { ok?: number; error?: string };

describe.skipIf(process.getuid?.() !== 0)('checkThreadPrivileges, as root', () => {
  it('counts every thread when each holds what was kept, and names one that holds more', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', child], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
      }),
    ) as { before: Attempt; kept: Attempt; none: Attempt; otherUser: Attempt; threads: number };
    // Root before the drop: every capability, no no_new_privs.
    expect(out.before.error).toMatch(
      /^thread \d+ kept privilege after the drop \(CapEff [0-9a-f]{10,}, .*NoNewPrivs 0/,
    );
    // Node's threads and the worker's, each read (a thread may come or go between the two looks).
    expect(out.kept.ok).toBeGreaterThanOrEqual(Math.max(2, out.threads - 1));
    expect(out.kept.ok).toBeLessThanOrEqual(out.threads + 1);
    // CAP_NET_RAW (bit 13) was kept: a check that wants nothing finds it.
    expect(out.none.error).toMatch(
      /kept privilege after the drop \(CapEff 2000, CapPrm 2000, CapAmb 0, NoNewPrivs 1/,
    );
    expect(out.otherUser.error).toMatch(/uid 0 0 0 0\)$/);
  });
});
