// The privilege policy of every netdiag command: open the sockets first, then drop everything in
// every thread (and, when started as root and asked to, become another user), keeping only what a
// command still needs; and say which way to raw sockets this process has, and why.

import {
  accessSync,
  existsSync,
  constants as fsConstants,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { checkThreadPrivileges, dropThreadPrivileges, nativeAvailability } from '@netdiag/native-socket';

/** The capabilities a netdiag command may keep after the drop, by their kernel names. */
export const CAPABILITIES = {
  CAP_DAC_READ_SEARCH: 2,
  CAP_NET_RAW: 13,
  CAP_SYS_PTRACE: 19,
} as const;
export type Capability = keyof typeof CAPABILITIES;

/**
 * What `netstat -p` keeps, measured (as root with only one of them in the bounding set, against
 * a process of another user): listing /proc/PID/fd of another user's process needs
 * CAP_DAC_READ_SEARCH (the directory is mode 0500, its owner's), and reading its links needs
 * CAP_SYS_PTRACE (the kernel's PTRACE_MODE_READ check, also for root's own processes, whose
 * permitted set is larger than ours after the drop). Neither alone shows a single socket's owner.
 */
export const PROCESS_OWNER_CAPABILITIES: readonly Capability[] = ['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE'];

/** A privilege drop that could not be made or did not hold in some thread. */
export class PrivilegeError extends Error {
  override readonly name = 'PrivilegeError';
  constructor(
    message: string,
    /**
     * NO_USER: no such user; NOT_ROOT: --user without root; NO_ADDON: the native addon (which
     * makes the drop) is unavailable; INCOMPLETE: the drop failed or did not hold in a thread.
     */
    readonly code: 'NO_USER' | 'NOT_ROOT' | 'NO_ADDON' | 'INCOMPLETE' = 'INCOMPLETE',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One thread's credentials and capability sets, from /proc/PID/task/TID/status. */
export interface ThreadPrivileges {
  readonly tid: number;
  /** Real, effective, saved and filesystem uid. */
  readonly uids: readonly [number, number, number, number];
  readonly gids: readonly [number, number, number, number];
  readonly effective: bigint;
  readonly permitted: bigint;
  readonly ambient: bigint;
  readonly bounding: bigint;
  readonly noNewPrivs: boolean;
}

/** Every thread of a process (default this one), as the kernel reports them. */
export function threadPrivileges(pid: number | 'self' = 'self'): ThreadPrivileges[] {
  const out: ThreadPrivileges[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    out.push(parseStatus(Number(tid), text));
  }
  return out;
}

const STATUS_FIELDS = /^(Uid|Gid|CapEff|CapPrm|CapAmb|CapBnd|NoNewPrivs):(.*)$/gm;

/** Parses one /proc/.../status text (pure; exported for tests). */
export function parseStatus(tid: number, text: string): ThreadPrivileges {
  // Only the lines read below (7 of some 60): a drop reads one file per thread, before the first
  // probe, and this is half the time of splitting every line into a map (0.1 against 0.2 ms for
  // Node's 7 threads, measured on Node 24).
  const fields = new Map<string, string>();
  for (const m of text.matchAll(STATUS_FIELDS)) fields.set(m[1]!, m[2]!.trim());
  const field = (name: string) => {
    const v = fields.get(name);
    if (v === undefined) throw new PrivilegeError(`no ${name} line in the status of thread ${tid}`);
    return v;
  };
  const ids = (name: string) => {
    const v = field(name).split(/\s+/).map(Number);
    return [v[0]!, v[1]!, v[2]!, v[3]!] as const;
  };
  return {
    tid,
    uids: ids('Uid'),
    gids: ids('Gid'),
    effective: BigInt(`0x${field('CapEff')}`),
    permitted: BigInt(`0x${field('CapPrm')}`),
    ambient: BigInt(`0x${field('CapAmb')}`),
    bounding: BigInt(`0x${field('CapBnd')}`),
    noNewPrivs: field('NoNewPrivs') === '1',
  };
}

/** A user to switch to: by name or number, from /etc/passwd and /etc/group (as tcpdump -Z). */
export function lookupUser(
  name: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): { readonly name: string; readonly uid: number; readonly gid: number; readonly groups: readonly number[] } {
  const entry = read('/etc/passwd')
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f.length >= 4 && (f[0] === name || (/^\d+$/.test(name) && f[2] === name)));
  if (!entry) throw new PrivilegeError(`no user named '${name}'`, 'NO_USER');
  const user = entry[0]!;
  const gid = Number(entry[3]);
  const groups = new Set<number>([gid]);
  for (const line of read('/etc/group').split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[3]!.split(',').includes(user)) groups.add(Number(f[2]));
  }
  return { name: user, uid: Number(entry[2]), gid, groups: [...groups] };
}

export interface DropOptions {
  /**
   * Become this user (name or uid) when running as root, as tcpdump's -Z: its uid, its primary
   * group and the groups /etc/group lists it in. Anything opened afterwards is opened as it.
   */
  readonly user?: string;
  /** Capabilities to keep, where the process has them (netstat -p: PROCESS_OWNER_CAPABILITIES). */
  readonly keep?: readonly Capability[];
}

export interface DropResult {
  /** The user switched to, if any. */
  readonly user?: string;
  /** What was kept (those of `keep` the process had). */
  readonly kept: readonly Capability[];
  /** Threads checked after the drop. */
  readonly threads: number;
}

/**
 * The one call a command makes once its sockets are open: drops every capability but `keep` in
 * every thread, sets no_new_privs and securebits, clears the ambient set (and the bounding
 * set in this thread), and switches to `user`
 * if asked; then reads every thread's status back and throws PrivilegeError unless each holds
 * exactly what was kept. Nothing privileged can be opened afterwards: sockets come first.
 */
export async function dropPrivileges(options: DropOptions = {}): Promise<DropResult> {
  // Read only where something depends on it: a plain drop (nothing kept, no user to become) reads
  // every thread's status afterwards anyway.
  let status: ThreadPrivileges | undefined;
  const before = () => (status ??= parseStatus(0, readFileSync('/proc/self/status', 'utf8')));
  const kept = (options.keep ?? []).filter(
    (c) => (before().permitted & (1n << BigInt(CAPABILITIES[c]))) !== 0n,
  );
  let user: ReturnType<typeof lookupUser> | undefined;
  if (options.user !== undefined) {
    user = lookupUser(options.user);
    if (user.uid === before().uids[1]) user = undefined;
    else if (before().uids[1] !== 0)
      throw new PrivilegeError(`--user ${options.user} needs netdiag to be started as root`, 'NOT_ROOT');
  }
  const availability = nativeAvailability();
  // Nothing held, nothing to drop: a user's run without the addon goes on as it is.
  if (!availability.available && before().permitted === 0n && user === undefined)
    return { kept: [], threads: 0 };
  if (!availability.available)
    throw new PrivilegeError(
      `dropping privilege needs the native addon, unavailable: ${availability.reason}`,
      'NO_ADDON',
    );
  const keep = kept.map((c) => CAPABILITIES[c]);
  try {
    dropThreadPrivileges(keep, user ? { uid: user.uid, gid: user.gid, groups: user.groups } : null);
  } catch (err) {
    throw new PrivilegeError(err instanceof Error ? err.message : String(err), 'INCOMPLETE', { cause: err });
  }
  // The kernel's account of every thread, read apart from what the drop's handlers reported: in
  // the addon, where the same reading and parsing in JavaScript cost a trace's start 0.45 ms.
  let threads: number;
  try {
    threads = checkThreadPrivileges(keep, user ? user.uid : null);
  } catch (err) {
    // The files could not be read (no descriptor left): the system's error, as reading them here did.
    if (typeof (err as NodeJS.ErrnoException).syscall === 'string') throw err;
    throw new PrivilegeError(err instanceof Error ? err.message : String(err), 'INCOMPLETE', { cause: err });
  }
  return { ...(user && { user: user.name }), kept, threads };
}

/** Where netdiag looks for the helper when NETDIAG_HELPER does not say (scripts/install-helper.sh). */
export const HELPER_PATHS = [
  '/usr/local/libexec/netdiag/netdiag-helper',
  '/usr/libexec/netdiag/netdiag-helper',
];

/**
 * The privileged helper's path: NETDIAG_HELPER if set (empty: never use one), else the first
 * installed of HELPER_PATHS; undefined where there is none.
 */
export function findHelper(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.NETDIAG_HELPER;
  if (named !== undefined) return named === '' ? undefined : named;
  return HELPER_PATHS.find((p) => existsSync(p));
}

/** How this process gets raw sockets, and why: what `netdiag --privileges` prints. */
export interface PrivilegeReport {
  readonly path: 'root' | 'capability' | 'helper' | 'unprivileged';
  readonly lines: readonly string[];
}

export function privilegeReport(env: NodeJS.ProcessEnv = process.env): PrivilegeReport {
  const self = parseStatus(0, readFileSync('/proc/self/status', 'utf8'));
  const netRaw = (self.effective & (1n << BigInt(CAPABILITIES.CAP_NET_RAW))) !== 0n;
  const uid = self.uids[1];
  const lines: string[] = [];
  let path: PrivilegeReport['path'] = 'unprivileged';
  if (netRaw) {
    path = uid === 0 ? 'root' : 'capability';
    lines.push(
      uid === 0
        ? 'raw sockets: opened directly (running as root)'
        : 'raw sockets: opened directly (this process has CAP_NET_RAW)',
    );
  }
  const helper = findHelper(env);
  if (helper === undefined) {
    lines.push(
      `helper: not installed (looked for ${env.NETDIAG_HELPER === undefined ? HELPER_PATHS.join(', ') : 'none: NETDIAG_HELPER is empty'}; install it with: sudo npm run install-helper)`,
    );
  } else {
    const usable = helperUsable(helper);
    lines.push(`helper: ${helper}: ${usable.why}`);
    if (!netRaw && usable.ok) path = 'helper';
  }
  if (path === 'unprivileged') {
    lines.push(
      `without raw sockets: ping and trace -I use ICMP datagram sockets ${pingGroupAdmits(self.gids[1]) ? 'and net.ipv4.ping_group_range admits your group' : 'but net.ipv4.ping_group_range does not admit your group'}; trace -U needs nothing; trace -T, arp probe and arp scan need raw sockets`,
    );
  }
  lines.push(
    'after opening its sockets every command drops every capability in every thread (netstat -p keeps CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE); as root, --user NAME switches to that user too',
  );
  return { path, lines };
}

function helperUsable(path: string): { readonly ok: boolean; readonly why: string } {
  let gid: number;
  try {
    gid = statSync(path).gid;
  } catch (err) {
    return { ok: false, why: `not found (${(err as { code?: string }).code ?? String(err)})` };
  }
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    return { ok: false, why: `installed, but only members of its group (gid ${gid}) may run it` };
  }
  const who =
    process.getuid?.() === 0
      ? 'root'
      : process.getgid?.() === gid || (process.getgroups?.() ?? []).includes(gid)
        ? 'you are in its group'
        : 'you may run it';
  return {
    ok: true,
    why: `installed, and ${who}: raw sockets come from it when this process cannot open them`,
  };
}

function pingGroupAdmits(gid: number): boolean {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return lo !== undefined && hi !== undefined && gid >= lo && gid <= hi;
  } catch {
    return false;
  }
}
