import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSync } from './run.js';
import type { LabTopology } from './topology.js';

/**
 * One file per lab run under /run (a tmpfs: it vanishes on reboot together with the namespaces
 * it describes). It is written before the first namespace exists, so a run killed at any point
 * leaves a record that `sweep` can act on; and it names the owning process, so sweep never
 * touches a lab whose builder is still alive.
 */
export const STATE_DIR = process.env.NETDIAG_LAB_STATE_DIR ?? '/run/netdiag-lab';

export interface LabState {
  readonly id: string;
  /** The process that owns the lab; the lab is stale once it is gone. */
  readonly pid: number;
  /** Its start time (clock ticks since boot, /proc/PID/stat field 22), so a reused PID is not mistaken for it. */
  readonly pidStart: string;
  /** Kept after its owner exits (`npm run lab -- up`); only `down` removes it. */
  readonly persistent: boolean;
  readonly createdAt: string;
  /** Every namespace the run may create, known before it creates any. */
  readonly namespaces: readonly string[];
  /** Present once the build finished. */
  readonly topology: LabTopology | null;
}

export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(state: Pick<LabState, 'pid' | 'pidStart'>): boolean {
  return processStart(state.pid) === state.pidStart;
}

function file(id: string): string {
  return join(STATE_DIR, `${id}.json`);
}

export function writeState(state: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const tmp = `${file(state.id)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file(state.id));
}

export function readState(id: string): LabState | null {
  try {
    return JSON.parse(readFileSync(file(id), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function removeState(id: string): void {
  rmSync(file(id), { force: true });
}

export function listStates(): LabState[] {
  let names: string[];
  try {
    names = readdirSync(STATE_DIR);
  } catch {
    return [];
  }
  return (
    names
      .filter((n) => /^nd[0-9a-f]{4,8}\.json$/.test(n))
      .map((n) => readState(n.slice(0, -'.json'.length)))
      // A claimed id holds '{}' until its record is written: not a lab yet.
      .filter((s): s is LabState => s !== null && typeof s.pid === 'number' && Array.isArray(s.namespaces))
  );
}

/** Claims a fresh id: the state file is created exclusively, so two runs never share one. */
export function claimId(state: Omit<LabState, 'id'>, makeId: () => string): LabState {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = makeId();
    try {
      writeFileSync(file(id), '{}\n', { flag: 'wx', mode: 0o600 });
    } catch {
      continue;
    }
    if (
      runSync(['ip', 'netns', 'list'])
        .stdout.split('\n')
        .some((l) => l.startsWith(`${id}-`))
    ) {
      // Namespaces with this prefix exist without a record of ours: leave them and that id alone.
      continue;
    }
    const full = { ...state, id };
    writeState(full);
    return full;
  }
  throw new Error(`could not claim a lab id in ${STATE_DIR}`);
}

/**
 * Removes what a lab run made, synchronously (usable from exit handlers): ends the processes
 * still inside its namespaces, then deletes the namespaces (their veths, bridges, nft tables and
 * routes go with them; no lab link ever lives in the root namespace), then the state file. Only
 * namespaces that carry the run's id are touched.
 */
export function teardown(state: Pick<LabState, 'id' | 'namespaces'>): void {
  // Every namespace named with this lab's id, recorded or not: a build cut short by a signal may
  // have made some the record does not list yet. The id is this run's alone (claimId).
  const prefix = `${state.id}-`;
  const listed = (): string[] =>
    runSync(['ip', 'netns', 'list'])
      .stdout.split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(prefix));
  // Deleting can race a namespace still being made; look again until none is left (bounded).
  for (let pass = 0; pass < 3; pass++) {
    const namespaces = listed();
    if (namespaces.length === 0) break;
    for (const ns of namespaces) {
      // A process left inside keeps the namespace alive after its name is gone: end it first.
      for (const pid of runSync(['ip', 'netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    runSync(['ip', '-force', '-batch', '-'], namespaces.map((ns) => `netns delete ${ns}\n`).join(''));
  }
  removeState(state.id);
}

/**
 * Removes the labs of dead runs: recorded, not persistent, and whose owner process is gone.
 * Returns the ids removed.
 */
export function sweep(): string[] {
  const removed: string[] = [];
  for (const s of listStates()) {
    if (s.persistent || isAlive(s)) continue;
    teardown(s);
    removed.push(s.id);
  }
  return removed;
}
