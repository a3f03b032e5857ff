/** The IP version a socket speaks. */
export type IpFamily = 4 | 6;

/**
 * What a prober sends: ICMP echo, UDP datagrams or TCP segments, each built by the prober from
 * its transport header on; or `udp-datagram`: UDP payloads alone, on a UDP datagram socket whose
 * kernel writes the UDP header (no privilege needed). The socket reads the ICMP errors about its
 * datagrams from its error queue (IP_RECVERR / IPV6_RECVERR) and delivers each as the ICMP
 * error message it came in, quoting an IP and UDP header rebuilt from what the kernel reported
 * (see `ProbeSocket.boundPort`). UDP datagrams the socket receives are not delivered: probers
 * listen for ICMP.
 */
export type ProbeProtocol = 'icmp' | 'udp' | 'tcp' | 'udp-datagram';

/** What to open: the family and protocol, and what the protocol needs to know up front. */
export type SocketSpec =
  | {
      readonly family: IpFamily;
      readonly protocol: 'icmp' | 'udp' | 'tcp';
      /**
       * ICMP only: the echo identifier the caller's requests carry. Backends whose kernel writes the
       * identifier itself (ICMP datagram sockets) bind this one where it is free; see
       * `ProbeSocket.boundIdentifier`. Others ignore it.
       */
      readonly identifier?: number;
      /**
       * Kernel receive buffer (SO_RCVBUF) in bytes, for sockets that many replies reach at once
       * (one socket for thousands of targets): past net.core.rmem_max where the process may
       * (SO_RCVBUFFORCE, CAP_NET_ADMIN), else as far as rmem_max allows. Default: the kernel's.
       */
      readonly receiveBufferBytes?: number;
      /**
       * Path MTU discovery probes (tracepath): every datagram leaves with DF set (IPv4) or
       * unfragmented (IPv6), and is sized against the interface MTU, not the route's cached path
       * MTU (IP_PMTUDISC_PROBE / IPV6_PMTUDISC_PROBE), so each run measures the path afresh. A
       * datagram larger than the interface MTU fails its send with EMSGSIZE, carrying the
       * largest size that can leave (`ProbeSocketError.mtu`) where the backend learns it.
       */
      readonly dontFragment?: boolean;
      /**
       * Deliver every packet in one reused object whose `data` views one receive buffer, both
       * overwritten by the next packet: a listener copies what it keeps beyond its call. For one
       * socket that thousands of replies a second reach (a monitoring agent): nothing is then
       * allocated per packet in the steady state. Backends that cannot deliver so ignore it.
       */
      readonly reusePacket?: boolean;
    }
  | {
      readonly family: IpFamily;
      readonly protocol: 'udp-datagram';
      /** The destination port of every datagram the socket sends (the kernel writes the header). */
      readonly port: number;
      /**
       * Path MTU discovery probes (tracepath): every datagram leaves with DF set (IPv4) or
       * unfragmented (IPv6), and is sized against the interface MTU, not the route's cached path
       * MTU (IP_PMTUDISC_PROBE / IPV6_PMTUDISC_PROBE), so each run measures the path afresh. A
       * datagram larger than the interface MTU fails its send with EMSGSIZE, carrying the
       * largest size that can leave (`ProbeSocketError.mtu`) where the backend learns it.
       */
      readonly dontFragment?: boolean;
    };

/** One datagram as the socket delivered it. */
export interface ReceivedPacket {
  /**
   * IPv4: the whole datagram from the IP header on (raw IPv4 sockets deliver it).
   * IPv6: the transport payload only (the kernel strips the IPv6 header on raw IPv6 sockets).
   */
  readonly data: Buffer;
  /**
   * False when an IPv4 datagram's `data` starts at the transport header: ICMP datagram sockets
   * deliver no IP header, and `hopLimit` carries the TTL instead. Absent means as `data` says.
   */
  readonly includesIpHeader?: boolean;
  /** The sender's address, as text. */
  readonly from: string;
  /** Monotonic receive time in nanoseconds (process.hrtime.bigint clock). */
  readonly receivedAt: bigint;
  /**
   * `receivedAt` as process.hrtime() gives it, [seconds, nanoseconds], where the backend has it
   * without a BigInt (`reusePacket` on the native backend; overwritten with the packet).
   */
  readonly receivedHrtime?: readonly [number, number] | undefined;
  /** Whether `receivedAt` came from the kernel (SO_TIMESTAMPNS) or from user space on wake-up. */
  readonly kernelTimestamp: boolean;
  /**
   * TTL (IPv4) or hop limit (IPv6) the datagram arrived with, where the backend reads it from
   * ancillary data (IP_RECVTTL / IPV6_RECVHOPLIMIT). raw-socket gives none: IPv4 carries its TTL
   * in `data` there.
   */
  readonly hopLimit?: number;
}

export interface SendOptions {
  /** TTL (IPv4) or hop limit (IPv6) for this datagram alone. */
  readonly ttl?: number;
  /**
   * The TOS byte (IPv4) or traffic class (IPv6) of this datagram: DSCP in the upper six bits,
   * ECN in the lower two, as `ping -Q` takes it. 0 to 255.
   */
  readonly tos?: number;
}

/**
 * The one interface every prober sends and receives through. Backends (the native addon's raw
 * or ICMP datagram sockets, and raw-socket) sit behind it; nothing above it knows which is in use.
 */
export interface ProbeSocket {
  readonly family: IpFamily;
  readonly protocol: ProbeProtocol;
  /** The backend's name, for diagnostics (`--json` start events, bug reports). */
  readonly backend: string;
  /**
   * Set where the kernel writes the ICMP echo identifier (ICMP datagram sockets): every request
   * leaves with this identifier whatever the packet said, and only replies to it arrive. Callers
   * match replies by it, and use one socket per identifier. Undefined on raw sockets.
   */
  readonly boundIdentifier?: number;
  /**
   * Set on `udp-datagram` sockets: the source port the kernel bound, which every datagram of
   * the socket leaves from and which the UDP header quoted by its ICMP errors carries. The kernel
   * hands a socket the errors about datagrams from its own port alone, so a prober that sends
   * each probe from a socket of its own knows the probe an error is about by the socket.
   */
  readonly boundPort?: number;
  /**
   * Sends one datagram and resolves with the monotonic time (ns) taken just before the send
   * system call. Rejects with a ProbeSocketError (code ENETUNREACH, EHOSTUNREACH, EMSGSIZE, ...);
   * a failed send is a per-probe event for the caller, the socket stays usable.
   */
  send(packet: Uint8Array, to: string, options?: SendOptions): Promise<bigint>;
  /**
   * As send(), without a promise (where the backend can; a caller falls back to send()), for
   * callers sending thousands a second: true when the datagram left now, its send time then in
   * `lastSentAt`; false when the socket buffer was full and it waits in the backend's queue (it
   * leaves when there is room; its time is not reported). Throws a ProbeSocketError.
   */
  trySend?(packet: Uint8Array, to: string, options?: SendOptions): boolean;
  /**
   * The monotonic time [seconds, nanoseconds] just before the send system call of the last
   * trySend() that returned true; overwritten by the next.
   */
  readonly lastSentAt?: readonly [number, number];
  /** Adds a listener for every datagram received; returns a function that removes it. */
  onPacket(listener: (packet: ReceivedPacket) => void): () => void;
  /** Adds a listener for a failure of the socket itself (after which it is closed). */
  onError(listener: (error: Error) => void): () => void;
  /**
   * Reads every datagram already queued in the kernel now, delivering each to the listeners
   * before returning. A prober calls it before declaring probes lost: after the event loop was
   * busy, replies may be waiting unread while a timer fires first.
   */
  drain(): void;
  /** Lets the process exit while the socket is open, where the backend can (see `canUnref`). */
  unref(): void;
  ref(): void;
  readonly canUnref: boolean;
  close(): void;
  readonly closed: boolean;
}
