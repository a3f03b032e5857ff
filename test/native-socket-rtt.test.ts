import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';

// RTTs from kernel receive timestamps do not grow when the application is busy: the pinger's
// event loop is blocked 5 ms after every send, at a 20 ms interval to a 20 ms delayed target, so
// replies keep arriving while it is blocked. The average must stay within 0.1 ms of iputils'
// (which reads SO_TIMESTAMP too) measured in the same test.

const child = fileURLToPath(new URL('./native-socket-rtt.child.ts', import.meta.url));
const COUNT = 50;
const INTERVAL_MS = 20;
const BLOCK_MS = 5;

interface Result {
  readonly received: number;
  readonly rtt: { readonly avg: number } | null;
}

describe.skipIf(process.getuid?.() !== 0)('ping RTT while the event loop is busy', () => {
  const lab = useLab();
  let savedRange = '';

  beforeAll(async () => {
    savedRange = (await lab.exec('client', ['sysctl', '-n', 'net.ipv4.ping_group_range'])).stdout
      .trim()
      .replace(/\s+/g, ' ');
    await lab.exec('client', ['sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
  });
  afterAll(async () => {
    if (savedRange)
      await lab.exec('client', ['sysctl', '-q', '-w', `net.ipv4.ping_group_range=${savedRange}`]);
  });

  async function iputilsAvg(target: string): Promise<number> {
    const r = await lab.exec('client', [
      'ping',
      '-n',
      '-q',
      '-c',
      `${COUNT}`,
      '-i',
      `${INTERVAL_MS / 1000}`,
      target,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    return Number(m![1]);
  }

  async function oursAvg(backend: string, target: string): Promise<number> {
    const r = await lab.exec(
      'client',
      [
        process.execPath,
        '--import',
        'tsx',
        child,
        backend,
        target,
        `${COUNT}`,
        `${INTERVAL_MS}`,
        `${BLOCK_MS}`,
      ],
      {
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.received).toBe(COUNT);
    return result.rtt!.avg;
  }

  for (const family of [4, 6] as const) {
    for (const backend of ['native-raw', 'native-dgram']) {
      it(`IPv${family} ${backend}: average within 0.1 ms of iputils'`, async () => {
        const target = lab.addr('delayed', family);
        const theirs = await iputilsAvg(target);
        const ours = await oursAvg(backend, target);
        console.log(
          `IPv${family} ${backend}, loop blocked ${BLOCK_MS} ms per send: avg ${ours.toFixed(3)} ms, iputils ${theirs.toFixed(3)} ms`,
        );
        expect(Math.abs(ours - theirs)).toBeLessThan(0.1);
      });
    }
  }
});
