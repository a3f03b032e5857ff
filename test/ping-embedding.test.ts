import { describe, expect, it } from 'vitest';
import { exec } from './lab/run.js';
import { repoRoot } from './support/cli.js';

describe.skipIf(process.getuid?.() !== 0)('the pinger embedded in a script (needs root)', () => {
  it('lets a script that starts a pinger with ref: false and moves on exit, cleanly', async () => {
    const r = await exec(
      [process.execPath, '--import', 'tsx', `${repoRoot}test/fixtures/pinger-dropped.ts`],
      { timeoutMs: 10_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const { exitedAfterMs, replies } = JSON.parse(r.stdout) as { exitedAfterMs: number; replies: number };
    expect(exitedAfterMs).toBeGreaterThanOrEqual(350);
    expect(exitedAfterMs).toBeLessThan(2000);
    expect(replies).toBeGreaterThanOrEqual(2);
  });
});
