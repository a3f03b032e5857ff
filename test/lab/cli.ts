/**
 * npm run lab -- up | down | status | sweep | time [N] | exec HOST CMD...
 *
 * `up` builds the standard lab and keeps it (its record under /run/netdiag-lab says so), `exec`
 * runs a command in one of its hosts, `down` removes it. `time N` builds and removes a standard
 * lab N times (default 5) and prints the build and removal times. Exit codes: 0 done, 1 the command run by
 * `exec` failed (its own code is passed through), 2 usage or lab error.
 */
import { spawn } from 'node:child_process';
import { adoptLab, createLab } from './lab.js';
import { standardLab } from './spec.js';
import { isAlive, type LabState, listStates, sweep } from './state.js';
import type { LabTopology } from './topology.js';

const USAGE = 'usage: npm run lab -- up | down | status | sweep | time [N] | exec HOST CMD...';

function fail(message: string): never {
  process.stderr.write(`lab: ${message}\n`);
  process.exit(2);
}

function persistent(): LabState[] {
  return listStates().filter((s) => s.persistent && s.topology);
}

function describe(t: LabTopology): string {
  const rows = Object.values(t.hosts).map((h) => {
    const notes = [
      h.router ? 'router' : '',
      h.silent ? 'silent' : '',
      h.reject ? `reject ${h.reject}` : '',
      h.loss ? `loss ${h.loss.percent}% ${h.loss.packets}` : '',
      h.echo ? `echo +${h.echo.delayMs}ms±${h.echo.jitterMs}` : '',
      ...h.prefixes,
    ].filter(Boolean);
    return `  ${h.name.padEnd(8)} ${h.ns.padEnd(16)} ${h.v4.padEnd(15)} ${h.v6.padEnd(18)} ${notes.join(', ')}`;
  });
  const chains = Object.entries(t.chains).map(
    ([name, c]) => `  chain ${name}: ${[c.from, ...c.routers, c.to].join(' -> ')}`,
  );
  return [`lab ${t.id}`, ...rows, ...chains].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (process.getuid?.() !== 0 && command !== 'status') fail('the lab needs root (network namespaces)');
  switch (command) {
    case 'up': {
      const existing = persistent()[0];
      if (existing?.topology) {
        process.stdout.write(`${describe(existing.topology)}\n(already up)\n`);
        return;
      }
      for (const id of sweep()) process.stdout.write(`swept stale lab ${id}\n`);
      const started = performance.now();
      const lab = await createLab(standardLab(), { persistent: true });
      process.stdout.write(
        `${describe(lab.topology)}\nbuilt in ${(performance.now() - started).toFixed(0)} ms\n`,
      );
      return;
    }
    case 'down': {
      const labs = persistent();
      if (labs.length === 0) process.stdout.write('no lab is up\n');
      for (const s of labs) {
        await adoptLab(s).destroy();
        process.stdout.write(`removed lab ${s.id}\n`);
      }
      return;
    }
    case 'status': {
      const states = listStates();
      if (states.length === 0) process.stdout.write('no labs\n');
      for (const s of states) {
        const owner = s.persistent
          ? 'persistent'
          : `pid ${s.pid} ${isAlive(s) ? 'alive' : 'dead (sweep removes it)'}`;
        process.stdout.write(
          `${s.id}  ${owner}  ${s.namespaces.length} namespaces  created ${s.createdAt}\n`,
        );
      }
      return;
    }
    case 'sweep': {
      const removed = sweep();
      process.stdout.write(removed.length ? `removed ${removed.join(', ')}\n` : 'nothing stale\n');
      return;
    }
    case 'time': {
      const runs = Number(rest[0] ?? 5);
      if (!Number.isInteger(runs) || runs < 1) fail(USAGE);
      const builds: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const lab = await createLab(standardLab());
        const t1 = performance.now();
        await lab.destroy();
        const t2 = performance.now();
        builds.push(t1 - t0);
        process.stdout.write(`build ${(t1 - t0).toFixed(0)} ms, destroy ${(t2 - t1).toFixed(0)} ms\n`);
      }
      builds.sort((a, b) => a - b);
      process.stdout.write(`median build ${builds[Math.floor(runs / 2)]!.toFixed(0)} ms over ${runs}\n`);
      return;
    }
    case 'exec': {
      const [host, ...cmd] = rest;
      if (!host || cmd.length === 0) fail(USAGE);
      const state = persistent()[0];
      if (!state?.topology) fail('no lab is up (npm run lab -- up)');
      const ns = state.topology.hosts[host]?.ns;
      if (!ns) fail(`no host '${host}' (hosts: ${Object.keys(state.topology.hosts).join(', ')})`);
      const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'inherit' });
      const code = await new Promise<number>((resolve) => {
        child.on('error', (e) => fail(e.message));
        child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
      process.exit(code);
      return;
    }
    default:
      fail(USAGE);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
