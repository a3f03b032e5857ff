/** The errno names a socket failure maps to; 'UNKNOWN' where the backend said something else. */
export type SocketErrorCode =
  | 'EPERM'
  | 'EACCES'
  | 'ENETUNREACH'
  | 'ENETDOWN'
  | 'EHOSTUNREACH'
  | 'EMSGSIZE'
  | 'ENOBUFS'
  | 'EAGAIN'
  | 'EINVAL'
  | 'EADDRNOTAVAIL'
  | 'EAFNOSUPPORT'
  | 'ECONNREFUSED'
  | 'EBADF'
  | 'EMFILE'
  | 'ENFILE'
  | 'ENOMEM'
  | 'UNKNOWN';

/** The fix for a missing CAP_NET_RAW, named in every permission error. */
export const PERMISSION_FIX =
  "run as root, or install netdiag's privileged helper and join its group (sudo npm run install-helper; see the README, Permissions)";

/** The fix for ICMP datagram sockets refused by net.ipv4.ping_group_range, for this user's group. */
export function pingGroupFix(gid = process.getgid?.() ?? 0): string {
  return `let your group use ICMP datagram sockets: sudo sysctl -w net.ipv4.ping_group_range="${gid} ${gid}"`;
}

/** A socket failure with a stable code, the system call it came from and the original cause. */
export class ProbeSocketError extends Error {
  override readonly name = 'ProbeSocketError';
  constructor(
    message: string,
    readonly code: SocketErrorCode,
    readonly syscall: 'socket' | 'setsockopt' | 'sendto' | 'recvfrom' | 'bind',
    options?: { cause?: unknown; mtu?: number },
  ) {
    super(message, options);
    if (options?.mtu !== undefined) this.mtu = options.mtu;
  }

  /**
   * EMSGSIZE on a `dontFragment` socket: the largest datagram (IP header included) the kernel
   * lets leave towards that destination, from the error queue's local entry (ee_info).
   */
  readonly mtu?: number;

  /**
   * True when the process or the system ran out of descriptors or memory: no fallback helps,
   * and a reader must not take it for "this kind of socket is unavailable".
   */
  get isResourceExhausted(): boolean {
    return this.code === 'EMFILE' || this.code === 'ENFILE' || this.code === 'ENOMEM';
  }

  /** True when the process lacks the privilege to open the socket (EPERM/EACCES on socket()). */
  get isPermissionDenied(): boolean {
    return this.syscall === 'socket' && (this.code === 'EPERM' || this.code === 'EACCES');
  }
}

// raw-socket reports errors as strerror() text without the errno; map glibc's texts back.
const strerrorToCode: ReadonlyMap<string, SocketErrorCode> = new Map([
  ['Operation not permitted', 'EPERM'],
  ['Permission denied', 'EACCES'],
  ['Network is unreachable', 'ENETUNREACH'],
  ['Network is down', 'ENETDOWN'],
  ['No route to host', 'EHOSTUNREACH'],
  ['Message too long', 'EMSGSIZE'],
  ['No buffer space available', 'ENOBUFS'],
  ['Resource temporarily unavailable', 'EAGAIN'],
  ['Invalid argument', 'EINVAL'],
  ['Cannot assign requested address', 'EADDRNOTAVAIL'],
  ['Address family not supported by protocol', 'EAFNOSUPPORT'],
  ['Connection refused', 'ECONNREFUSED'],
  ['Bad file descriptor', 'EBADF'],
  ['Too many open files', 'EMFILE'],
  ['Too many open files in system', 'ENFILE'],
  ['Cannot allocate memory', 'ENOMEM'],
]);

const describe: Record<SocketErrorCode, string> = {
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENETUNREACH: 'network is unreachable',
  ENETDOWN: 'network is down',
  EHOSTUNREACH: 'no route to host',
  EMSGSIZE: 'message too long for the path MTU',
  ENOBUFS: 'no buffer space available',
  EAGAIN: 'socket buffer full',
  EINVAL: 'invalid argument',
  EADDRNOTAVAIL: 'address not available',
  EAFNOSUPPORT: 'address family not supported (is IPv6 disabled?)',
  ECONNREFUSED: 'connection refused',
  EBADF: 'socket is closed',
  EMFILE: 'too many open files (raise the limit: ulimit -n)',
  ENFILE: 'too many open files in the system',
  ENOMEM: 'out of memory',
  UNKNOWN: 'socket error',
};

/** What a socket error code means, in the words of this package's messages. */
export function socketErrorText(code: string): string {
  return code in describe ? describe[code as SocketErrorCode] : code;
}

/** Turns whatever a backend threw into a ProbeSocketError with a code. */
export function toProbeSocketError(err: unknown, syscall: ProbeSocketError['syscall']): ProbeSocketError {
  if (err instanceof ProbeSocketError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const errno = (err as { code?: unknown } | null)?.code;
  const code: SocketErrorCode =
    typeof errno === 'string' && errno in describe
      ? (errno as SocketErrorCode)
      : (strerrorToCode.get(text) ?? 'UNKNOWN');
  const base = code === 'UNKNOWN' ? text : describe[code];
  const message =
    syscall === 'socket' && (code === 'EPERM' || code === 'EACCES')
      ? `no permission to open a raw socket: ${PERMISSION_FIX}`
      : `${syscall}: ${base}`;
  return new ProbeSocketError(message, code, syscall, { cause: err });
}
