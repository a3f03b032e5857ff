import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exec } from './lab/run.js';
import { repoRoot } from './support/cli.js';

// Every package README points at examples/*.ts as "an example that runs": run them all, so an
// example that rots fails here. They send only to loopback; most need root for raw sockets.
const examples = readdirSync(`${repoRoot}packages`).flatMap((pkg) => {
  try {
    return readdirSync(`${repoRoot}packages/${pkg}/examples`)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `packages/${pkg}/examples/${f}`);
  } catch {
    return [];
  }
});

describe.skipIf(process.getuid?.() !== 0)('package examples run (needs root)', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });
  for (const example of examples) {
    it(example, async () => {
      const r = await exec([process.execPath, '--import', 'tsx', `${repoRoot}${example}`], {
        timeoutMs: 30_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).not.toBe('');
    });
  }
});
