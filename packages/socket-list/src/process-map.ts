import { errnoText, isExhausted, SocketListError } from './errors.js';
import type { SocketOwner } from './types.js';

/** The file-system calls a process scan makes; node:fs's sync calls by default, a fake in tests. */
export interface ProcFs {
  readdir(path: string): string[];
  readlink(path: string): string;
  readFile(path: string): string;
}

export interface SocketOwners {
  /** Socket inode to the processes holding it. */
  readonly byInode: ReadonlyMap<number, readonly SocketOwner[]>;
  /** Processes whose descriptors could not be read (another user's, without root): their sockets have no owner. */
  readonly hiddenPids: readonly number[];
  /** Processes scanned (those that ended during the scan are not counted). */
  readonly scannedPids: number;
}

const SOCKET_PREFIX = 'socket:[';

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function readFailed(path: string, err: unknown): SocketListError {
  return new SocketListError('READ_FAILED', `cannot list ${path}: ${errnoText(err)}`, { cause: err });
}

/**
 * Finds the owner of every socket with one pass over /proc: one readdir of /proc, one readdir
 * of each /proc/PID/fd, one readlink per descriptor (`socket:[INODE]`), and /proc/PID/comm only
 * for processes that hold a socket. netstat does the same walk; doing it once per listing rather
 * than once per socket is what keeps `-p` affordable at 50,000 sockets.
 *
 * Processes come and go during the walk: ENOENT (ended) and ESRCH are skipped, EACCES/EPERM
 * (another user's process) are listed in `hiddenPids` so the caller can say what it could not see.
 */
export function scanSocketOwners(fs: ProcFs, procRoot = '/proc'): SocketOwners {
  let entries: string[];
  try {
    entries = fs.readdir(procRoot);
  } catch (err) {
    throw readFailed(procRoot, err);
  }
  const byInode = new Map<number, SocketOwner[]>();
  const hiddenPids: number[] = [];
  let scannedPids = 0;
  for (const name of entries) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const fdDir = `${procRoot}/${name}/fd`;
    let fds: string[];
    try {
      fds = fs.readdir(fdDir);
    } catch (err) {
      const code = errno(err);
      // Out of descriptors: every later process would be skipped too, and lose its owners.
      if (isExhausted(err)) throw readFailed(fdDir, err);
      if (code === 'EACCES' || code === 'EPERM') hiddenPids.push(pid);
      continue;
    }
    scannedPids++;
    let command: string | undefined;
    for (const fdName of fds) {
      let target: string;
      try {
        target = fs.readlink(`${fdDir}/${fdName}`);
      } catch {
        continue; // closed between readdir and readlink
      }
      if (!target.startsWith(SOCKET_PREFIX)) continue;
      const inode = Number(target.slice(SOCKET_PREFIX.length, -1));
      if (!Number.isInteger(inode)) continue;
      if (command === undefined) command = readComm(fs, `${procRoot}/${name}/comm`);
      const owner: SocketOwner = { pid, command, fd: Number(fdName) };
      const list = byInode.get(inode);
      if (list === undefined) byInode.set(inode, [owner]);
      else list.push(owner);
    }
  }
  return { byInode, hiddenPids, scannedPids };
}

function readComm(fs: ProcFs, path: string): string {
  try {
    const s = fs.readFile(path);
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  } catch {
    return '?';
  }
}
