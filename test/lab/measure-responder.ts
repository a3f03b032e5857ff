/**
 * Measures the echo responder's precision with iputils ping: in a fresh standard lab, rounds of
 * `ping -c 50 -i 0.05 -q` from the client to `delayed` (20 ms) and to `t3` (same path, kernel
 * replies), both families, interleaved; prints each round and the excess of delayed over
 * t3 + 20 ms. Run as root: node --import tsx test/lab/measure-responder.ts [rounds]
 */
import { createLab } from './lab.js';
import { standardLab } from './spec.js';

const rounds = Number(process.argv[2] ?? 5);
const lab = await createLab(standardLab());
try {
  const avg = async (host: string, family: 4 | 6): Promise<number> => {
    const argv = ['ping', '-n', '-c', '50', '-i', '0.05', '-q', lab.addr(host, family)];
    const { stdout } = await lab.exec('client', argv);
    const m = /= [\d.]+\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
    if (!m || !/ 50 received/.test(stdout)) throw new Error(`ping ${lab.addr(host, family)}: ${stdout}`);
    process.stdout.write(
      `  ${argv.slice(0, -1).join(' ')} ${host}(${lab.addr(host, family)}): avg ${m[1]} max ${m[2]} mdev ${m[3]} ms\n`,
    );
    return Number(m[1]);
  };
  const excess: Record<4 | 6, number[]> = { 4: [], 6: [] };
  for (let r = 1; r <= rounds; r++) {
    process.stdout.write(`round ${r}\n`);
    for (const f of [4, 6] as const) {
      const delayed = await avg('delayed', f);
      const path = await avg('t3', f);
      excess[f].push(delayed - path - 20);
    }
  }
  for (const f of [4, 6] as const) {
    const e = excess[f].map((x) => `${(x * 1000).toFixed(0)}`).join(', ');
    const mean = excess[f].reduce((a, b) => a + b, 0) / excess[f].length;
    process.stdout.write(
      `IPv${f}: delayed - t3 - 20 ms per round (us): ${e}; mean ${(mean * 1000).toFixed(1)} us\n`,
    );
  }
} finally {
  await lab.destroy();
}
