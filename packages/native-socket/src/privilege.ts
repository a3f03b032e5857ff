import { addon } from './addon.js';
import { toSocketError } from './errors.js';

/** The user a process switches to: its uid, primary gid and supplementary groups. */
export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

/**
 * Drops privilege in every thread of the process (capabilities belong to threads, and libuv's
 * and V8's threads exist long before this is called): sets no_new_privs and locked securebits
 * (SECBIT_NOROOT, no ambient raise), clears the ambient set, cuts the bounding set to `keep` in
 * the calling thread (the one that forks and execs), switches to `user` if given (groups, gid, uid: the process
 * must be root), and leaves `keep` (capability numbers) alone in the permitted and effective
 * sets. Throws an Error saying which step failed in which thread; the caller checks the result
 * per thread in /proc/self/task (see @netdiag/probe-socket's dropPrivileges, which does).
 */
export function dropThreadPrivileges(keep: readonly number[], user: Credentials | null): void {
  addon().dropPrivileges(keep, user);
}

/**
 * Checks what the kernel says every thread now holds (/proc/self/task/N/status, read in the
 * addon): exactly the capabilities `keep` as permitted and effective, no ambient ones,
 * no_new_privs, and `uid` as every uid where one is given. Returns how many threads were read;
 * throws an Error naming the first thread that holds more.
 */
export function checkThreadPrivileges(keep: readonly number[], uid: number | null): number {
  let want = 0;
  for (const cap of keep) want += 2 ** cap;
  return addon().checkThreads(want, uid ?? -1);
}

/**
 * Runs the privileged helper at `helperPath` and returns the descriptor of the socket it opened,
 * for `open({ ..., helper })`. Exposed for tests of the helper itself; throws SocketError (code
 * EPERM where the helper refuses the kind of socket, EACCES where the user may not run it).
 */
export function helperDescriptor(helperPath: string, domain: number, type: number, protocol: number): number {
  try {
    return addon().helperOpen(helperPath, domain, type, protocol);
  } catch (err) {
    throw toSocketError(err);
  }
}
