/** Kernel TCP states (include/net/tcp_states.h), by the names netstat prints. UDP and raw sockets use them too: ESTABLISHED when connected, CLOSE when not. */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'BOUND_INACTIVE',
] as const;
export type TcpState = (typeof TCP_STATES)[number];
/** A state number this package does not know (a newer kernel) stays visible as UNKNOWN with its code. */
export type InetState = TcpState | 'UNKNOWN';

export type InetProtocol = 'tcp' | 'udp' | 'raw';
export type Family = 4 | 6;
export type SocketProtocol = InetProtocol | 'unix';

/** Which kernel timer runs on a socket (the `tr` column): retransmit also covers loss-probe and reorder timers. */
export type TimerKind = 'off' | 'retransmit' | 'keepalive' | 'timewait' | 'probe';

/**
 * The kernel timer of a socket, as `netstat -o` shows it: `on (0.20/0/0)` is
 * `{kind: 'retransmit', expiresMs: 200, retransmits: 0, probes: 0}`.
 */
export interface SocketTimer {
  readonly kind: TimerKind | 'unknown';
  /** Time until the timer fires, in milliseconds (the kernel reports 10 ms ticks). */
  readonly expiresMs: number;
  /** Unanswered retransmissions so far (TCP), else 0. */
  readonly retransmits: number;
  /** Unanswered zero-window or keepalive probes (TCP), else 0. */
  readonly probes: number;
}

/** A process that holds a file descriptor on the socket. Several can (after fork, or passed fds). */
export interface SocketOwner {
  readonly pid: number;
  /** From /proc/PID/comm: untrusted text, at most 15 bytes; strip control characters before printing. */
  readonly command: string;
  readonly fd: number;
}

interface SocketBase {
  readonly inode: number;
  /** Processes holding the socket; empty if not asked for, not visible (permission) or none (TIME_WAIT). */
  readonly owners: readonly SocketOwner[];
}

/** A TCP, UDP or raw socket, IPv4 or IPv6, from /proc/net/{tcp,udp,raw}{,6}. */
export interface InetSocket extends SocketBase {
  readonly protocol: InetProtocol;
  readonly family: Family;
  readonly state: InetState;
  /** The kernel's state number: the same information as `state`, kept for UNKNOWN. */
  readonly stateCode: number;
  /** Textual address (RFC 5952 for IPv6; `::ffff:a.b.c.d` for mapped IPv4). */
  readonly localAddress: string;
  /** Port; for raw sockets the IP protocol number, as netstat shows it. */
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** TCP: bytes not yet acknowledged by the peer; UDP/raw: bytes queued to send. */
  readonly sendQueue: number;
  /** TCP: bytes not yet read by the program; for LISTEN, connections waiting in accept(). */
  readonly receiveQueue: number;
  readonly uid: number;
  readonly timer: SocketTimer;
  /** UDP and raw: datagrams dropped on this socket (receive buffer full); TCP: undefined. */
  readonly drops?: number;
}

export type UnixSocketType = 'stream' | 'dgram' | 'seqpacket' | 'unknown';
/** The socket-layer state of a UNIX socket (SS_* in include/uapi/linux/net.h), LISTEN for an accepting one. */
export type UnixState = 'LISTEN' | 'UNCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'DISCONNECTING' | 'UNKNOWN';

/** A UNIX domain socket from /proc/net/unix. */
export interface UnixSocket extends SocketBase {
  readonly protocol: 'unix';
  readonly type: UnixSocketType;
  readonly state: UnixState;
  readonly refCount: number;
  /** The bound path; abstract names start with `@` (the kernel shows their NUL bytes as `@`); null if unbound. */
  readonly path: string | null;
}

export type SocketRecord = InetSocket | UnixSocket;
