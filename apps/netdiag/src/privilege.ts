// Least privilege for every command: sockets first, then the drop (see @netdiag/probe-socket's
// dropPrivileges). A command parses `--user`, checks it before opening anything, and calls
// dropAfterOpen once its sockets are open; nothing it does afterwards may need privilege.

import { readFileSync } from 'node:fs';
import {
  dropPrivileges,
  lookupUser,
  PROCESS_OWNER_CAPABILITIES,
  PrivilegeError,
} from '@netdiag/probe-socket';
import { CliError, ExitCode, UsageError } from './cli-error.js';
import type { CommandIo } from './io.js';

let dropped = false;

/** The `--user NAME` flag, for parseCommandArgs. */
export const userOption = { user: { type: 'string' } } as const;

/** The flag's line in a command's --help. */
export const USER_HELP =
  '  --user NAME   started as root, become NAME once the sockets are open (as tcpdump -Z);\n' +
  '                every capability is dropped then in any case (netdiag --privileges says more)';

/**
 * The user a long-running command (the monitoring agent) becomes when none is named: started
 * as root, `nobody`, as tcpdump's -Z defaults to its own user; otherwise the one it runs as.
 */
export function agentUser(user: string | undefined): string | undefined {
  return user ?? (process.getuid?.() === 0 ? 'nobody' : undefined);
}

/** Checks `--user NAME` names a user, before any socket opens: a typo is a usage error. */
export async function checkUser(command: string, user: string | undefined): Promise<void> {
  if (process.getuid?.() !== 0) holdsNothing();
  if (user === undefined) return;
  try {
    const { uid } = lookupUser(user);
    if (process.getuid?.() !== 0 && uid !== process.geteuid?.())
      throw new UsageError(`${command}: --user needs netdiag to be started as root`);
  } catch (err) {
    if (err instanceof PrivilegeError) throw new UsageError(`${command}: --user: ${err.message}`);
    throw err;
  }
}

/**
 * Drops every capability but `keep` in every thread, and becomes `user` if given; only in the
 * CLI's own process (`io.ownsProcess`), never in a test's that runs a command in-process. Where the
 * native addon that makes the drop is missing, a run without --user goes on after one line on
 * stderr (it is no worse than before); with --user it stops, as the user asked for a switch.
 * `process-owners` (netstat -p) keeps what reading other users' /proc/PID/fd takes.
 */
export async function dropAfterOpen(
  command: string,
  user: string | undefined,
  io: Pick<CommandIo, 'stderr' | 'ownsProcess'>,
  keep: 'nothing' | 'process-owners' = 'nothing',
): Promise<void> {
  // Once per process: the first drop took what a second would need (CAP_SETPCAP, CAP_SETUID).
  if (io.ownsProcess !== true || dropped) return;
  dropped = true;
  // A user's run without a capability has nothing to drop: it does not load the addon for it.
  if (user === undefined && process.getuid?.() !== 0 && holdsNothing()) return;
  try {
    await dropPrivileges({
      ...(user !== undefined && { user }),
      keep: keep === 'process-owners' ? PROCESS_OWNER_CAPABILITIES : [],
    });
  } catch (err) {
    if (!(err instanceof PrivilegeError)) throw err;
    if (err.code === 'NO_ADDON' && user === undefined) {
      io.stderr.write(`netdiag: ${command}: privileges not dropped: ${err.message}\n`);
      return;
    }
    throw new CliError(`${command}: ${err.message}`, ExitCode.Error, { cause: err });
  }
}

/**
 * No capability permitted or ambient (/proc/self/status), so none can be raised. Known once: a
 * process that holds none cannot gain one without exec, and the first look comes from checkUser,
 * before a command opens its sockets, which may use up every descriptor (trace -U opens one per
 * probe) and leave none to read the file with afterwards.
 */
let heldNothing: boolean | undefined;
function holdsNothing(): boolean {
  if (heldNothing !== undefined) return heldNothing;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    heldNothing = /^CapPrm:\s*0+$/m.test(status) && /^CapAmb:\s*0+$/m.test(status);
    return heldNothing;
  } catch {
    return false;
  }
}
