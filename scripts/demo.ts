// `npm run demo`: builds a small lab in network namespaces (needs root) and runs a live
// `netdiag trace` across it, so a fresh machine with no network still shows the main job.
// The lab: client -> r1 ... r6 -> far, r3 silent (a `*` hop), r5 dropping 10% of what it
// forwards, and far answering pings after 20 ms. Everything is removed on exit, Ctrl-C included.
import { spawn } from 'node:child_process';
import { createLab } from '../test/lab/index.js';
import { labNames } from '../test/support/names.js';

if (process.getuid?.() !== 0) {
  console.error(
    'demo: the lab builds network namespaces, which needs root: run it as root (sudo npm run demo)',
  );
  process.exit(2);
}
const extra = process.argv.slice(2);
const lab = await createLab({
  hosts: {
    r3: { silent: true },
    r5: { loss: { percent: 10, packets: 'all' } },
    far: { echo: { delayMs: 20, jitterMs: 2 } },
  },
  chains: { main: { from: 'client', to: 'far', routers: 6 } },
});
const names: Record<string, string[]> = { 'far.lab.test': [lab.addr('far', 4), lab.addr('far', 6)] };
const removeNames = labNames(lab.ns('client'), names);
let code = 1;
try {
  const far = lab.addr('far', 4);
  const interactive = process.stdout.isTTY === true;
  const args = extra.length
    ? extra
    : interactive
      ? ['-n', 'far.lab.test']
      : ['-n', '-c', '5', '-i', '0.2', 'far.lab.test'];
  console.log(
    `lab ${lab.id}: client -> r1 ... r6 -> far (${far}); r3 is silent, r5 drops 10%, far answers pings after 20 ms`,
  );
  console.log(`running: netdiag trace ${args.join(' ')}${interactive ? '   (q quits)' : ''}\n`);
  const child = spawn(
    'ip',
    ['netns', 'exec', lab.ns('client'), process.execPath, 'apps/netdiag/bin/netdiag.js', 'trace', ...args],
    { stdio: 'inherit' },
  );
  // Ctrl-C goes to the whole foreground group: the trace prints its summary, then we clean up.
  process.on('SIGINT', () => {});
  code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
} finally {
  removeNames();
  await lab.destroy();
}
process.exit(code);
