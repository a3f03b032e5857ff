import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from './lab/run.js';
import { netdiagArgv } from './support/cli.js';

// A name server the host has no route to: Node fails the UDP socket's connect() and hands the
// error to connect's callback, emitting no 'error'. That is an answer (exit 2, one line), not a
// crash. A namespace of our own with only lo up, so nothing can leave it.
describe.skipIf(process.getuid?.() !== 0)('lookup with no route to the server', () => {
  const ns = `nd${randomBytes(2).toString('hex')}-nr`;
  let created = false;
  afterAll(() => {
    if (created) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('says ENETUNREACH in one line and exits 2', async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    created = true;
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const r = await exec(
      ['ip', 'netns', 'exec', ns, ...netdiagArgv('lookup', 'www.netdiag.test', '@192.0.2.53')],
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'netdiag: lookup: 192.0.2.53:53 over UDP: ENETUNREACH (network is unreachable) (after 2 tries)\n',
    );
  });
});
