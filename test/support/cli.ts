import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root and the built CLI every end-to-end test runs. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = `${repoRoot}apps/netdiag/bin/netdiag.js`;

/** argv for running the built netdiag CLI; fails clearly when `npm install` / `npm run build` was not run. */
export function netdiagArgv(...args: string[]): string[] {
  if (!existsSync(`${repoRoot}apps/netdiag/dist/cli.cjs`)) {
    throw new Error('apps/netdiag/dist/cli.cjs is missing: run `npm install` (or `npm run build`) first');
  }
  return [process.execPath, cliPath, ...args];
}

/** Parses NDJSON output into objects, one per non-empty line. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** iputils ping's summary line `rtt min/avg/max/mdev = a/b/c/d ms`, as numbers. */
export function iputilsRtt(stdout: string): { min: number; avg: number; max: number; mdev: number } {
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  if (!m) throw new Error(`no rtt line in ping output:\n${stdout}`);
  return { min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]), mdev: Number(m[4]) };
}

/** setpriv's prefix that runs a command as nobody (uid 65534) with no capabilities at all. */
export const AS_NOBODY: readonly string[] = [
  'setpriv',
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
];

/** argv run as nobody with no capabilities at all. */
export const asNobody = (argv: readonly string[]): string[] => [...AS_NOBODY, ...argv];
