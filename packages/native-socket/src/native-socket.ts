import { type AddonSocket, addon } from './addon.js';
import { SocketError, toSocketError } from './errors.js';
import {
  AddressFamily,
  decodeSockaddr,
  encodeSockaddr,
  type Inet6Address,
  type InetAddress,
  ipBytes,
  type SocketAddress,
} from './sockaddr.js';

export type SocketDomain = 'inet' | 'inet6' | 'packet' | 'netlink';
export type SocketType = 'raw' | 'dgram';

export interface OpenSpec {
  readonly domain: SocketDomain;
  readonly type: SocketType;
  /** IPPROTO_* for inet sockets, an EtherType (host order) for packet sockets, NETLINK_* for netlink. */
  readonly protocol: number;
  /** Largest datagram read whole; longer ones arrive cut, with `truncated`. Default 65536. */
  readonly receiveBufferBytes?: number;
  /** Datagrams kept when the socket buffer is full (EAGAIN) before send() reports EAGAIN. Default 1024. */
  readonly sendQueueLimit?: number;
  /**
   * Read ICMP errors and local send errors from the error queue (IP_RECVERR / IPV6_RECVERR)
   * into `onErrorQueue`. Inet sockets only. Default false.
   */
  readonly errorQueue?: boolean;
  /**
   * Have the privileged helper at this path open the socket (raw inet or packet sockets only;
   * see helper/netdiag-helper.c) and pass it back, instead of calling socket() here: for a
   * process without CAP_NET_RAW whose user is in the helper's group.
   */
  readonly helper?: string;
  /**
   * Deliver every message in one reused object whose `data` views one receive buffer: both are
   * overwritten by the next message, so a listener copies what it keeps beyond its call. For
   * sockets that receive thousands of datagrams a second (a monitoring agent's one socket for
   * every target): nothing is allocated per message in the steady state, where otherwise two
   * Buffers, an address and a BigInt are. Default false.
   */
  readonly reuseMessage?: boolean;
}

/** One datagram or frame as received. */
export interface Message {
  readonly data: Buffer;
  readonly from: SocketAddress | undefined;
  /**
   * Receive time in monotonic nanoseconds (the process.hrtime.bigint() clock): the kernel's
   * timestamp (SO_TIMESTAMPNS) converted from the real-time clock when `kernelTimestamp`.
   */
  readonly receivedAt: bigint;
  /**
   * `receivedAt` as process.hrtime() gives it, [seconds, nanoseconds], with `reuseMessage` only
   * (overwritten with the message): read without making a BigInt.
   */
  readonly receivedHrtime?: readonly [number, number];
  readonly kernelTimestamp: boolean;
  /** IPv4 TTL or IPv6 hop limit of the datagram (IP_RECVTTL / IPV6_RECVHOPLIMIT); inet sockets. */
  readonly hopLimit?: number | undefined;
  /** The interface it arrived on (IP_PKTINFO / IPV6_PKTINFO, or sockaddr_ll for packet sockets). */
  readonly ifindex?: number | undefined;
  /** The datagram was longer than the receive buffer and was cut. */
  readonly truncated: boolean;
}

export type ErrorOrigin = 'none' | 'local' | 'icmp' | 'icmp6' | 'other';

/** One entry of the socket's error queue, or a pending socket error (origin 'none'). */
export interface ErrorQueueEntry {
  /** The errno the error maps to (EHOSTUNREACH, ECONNREFUSED, EMSGSIZE, ...). */
  readonly errno: number;
  readonly code: string;
  readonly origin: ErrorOrigin;
  /** ICMP / ICMPv6 type and code of the error message (origin icmp or icmp6). */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** ee_info: the next-hop MTU for "fragmentation needed" / "packet too big". */
  readonly info: number;
  /** The node that sent the ICMP error (a router, or the target). */
  readonly offender: SocketAddress | undefined;
  /** The destination of the datagram that failed. */
  readonly destination: SocketAddress | undefined;
  /** The start of that datagram's payload, as the error quoted it (transport header on). */
  readonly payload: Buffer;
  readonly receivedAt: bigint;
  readonly kernelTimestamp: boolean;
}

export interface SendOptions {
  /** TTL (IPv4) or hop limit (IPv6) of this datagram alone, as a control message. */
  readonly ttl?: number;
  /** TOS (IPv4) or traffic class (IPv6) of this datagram alone. */
  readonly tos?: number;
  /** Source address of this datagram (IP_PKTINFO / IPV6_PKTINFO). */
  readonly source?: string;
  /** Outgoing interface of this datagram. */
  readonly ifindex?: number;
}

type Listener<T> = (value: T) => void;

const NO_OPTIONS: SendOptions = {};
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** sizeof(struct sockaddr_storage): room for any sender's address. */
const SOCKADDR_STORAGE = 128;
/** IPv4 senders a reusing socket remembers before starting over. */
const MAX_SENDERS = 65_536;

/**
 * The one Message a `reuseMessage` socket delivers, refilled per datagram. `data` is a view of
 * the receive buffer kept per length (replies of a prober have one or two lengths), and
 * `receivedAt` a getter, so that the BigInt is made only for a listener that reads it.
 */
class SharedMessage implements Message {
  data: Buffer;
  from: SocketAddress | undefined = undefined;
  readonly receivedHrtime: [number, number] = [0, 0];
  kernelTimestamp = false;
  hopLimit: number | undefined = undefined;
  ifindex: number | undefined = undefined;
  truncated = false;
  readonly #buffer: Buffer;
  readonly #views: Buffer[] = [];

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
    this.data = buffer.subarray(0, 0);
  }

  get receivedAt(): bigint {
    return BigInt(this.receivedHrtime[0]) * 1_000_000_000n + BigInt(this.receivedHrtime[1]);
  }

  fill(
    length: number,
    from: SocketAddress | undefined,
    seconds: number,
    nanoseconds: number,
    hopLimit: number,
    ifindex: number,
    truncated: boolean,
  ): void {
    let view = length <= MAX_VIEW ? this.#views[length] : undefined;
    if (!view) {
      view = this.#buffer.subarray(0, length);
      if (length <= MAX_VIEW) this.#views[length] = view;
    }
    this.data = view;
    this.from = from;
    this.kernelTimestamp = seconds >= 0;
    if (seconds >= 0) {
      this.receivedHrtime[0] = seconds;
      this.receivedHrtime[1] = nanoseconds;
    } else {
      const now = process.hrtime();
      this.receivedHrtime[0] = now[0];
      this.receivedHrtime[1] = now[1];
    }
    this.hopLimit = hopLimit >= 0 ? hopLimit : undefined;
    this.ifindex = ifindex > 0 ? ifindex : from?.family === 'packet' ? from.ifindex : undefined;
    this.truncated = truncated;
  }
}

/** Lengths up to this keep a view each (1500: an Ethernet MTU). */
const MAX_VIEW = 1500;

const ORIGINS: Record<number, ErrorOrigin> = { 0: 'none', 1: 'local', 2: 'icmp', 3: 'icmp6' };

/**
 * A kernel socket: non-blocking, close-on-exec, polled on the event loop of the thread that
 * opened it. Receiving starts at once; messages with no listener are dropped.
 */
export class NativeSocket {
  readonly domain: SocketDomain;
  readonly type: SocketType;
  readonly protocol: number;
  readonly #handle: AddonSocket;
  readonly #messageListeners = new Set<Listener<Message>>();
  readonly #errorListeners = new Set<Listener<ErrorQueueEntry>>();
  readonly #drainListeners = new Set<() => void>();
  readonly #pending = new Map<number, { resolve: (sentAt: bigint) => void; reject: (e: unknown) => void }>();
  #nextToken = 1;
  #closed = false;

  /** Use open(). */
  constructor(spec: OpenSpec) {
    const native = addon();
    const c = native.constants;
    this.domain = spec.domain;
    this.type = spec.type;
    this.protocol = spec.protocol;
    const domain = { inet: c.AF_INET!, inet6: c.AF_INET6!, packet: c.AF_PACKET!, netlink: c.AF_NETLINK! }[
      spec.domain
    ];
    const type = spec.type === 'raw' ? c.SOCK_RAW! : c.SOCK_DGRAM!;
    // Packet sockets take their EtherType in network order.
    const protocol =
      spec.domain === 'packet'
        ? ((spec.protocol & 0xff) << 8) | ((spec.protocol >> 8) & 0xff)
        : spec.protocol;
    try {
      this.#handle = new native.NativeSocket(
        domain,
        type,
        protocol,
        spec.receiveBufferBytes ?? 65_536,
        spec.sendQueueLimit ?? 1024,
        (data, from, kernelNs, hopLimit, ifindex, truncated) =>
          this.#message(data, from, kernelNs, hopLimit, ifindex, truncated),
        (errno, origin, icmpType, icmpCode, info, offender, destination, payload, kernelNs) =>
          this.#errorEntry(errno, origin, icmpType, icmpCode, info, offender, destination, payload, kernelNs),
        (token, errno, sentAt) => this.#sent(token, errno, sentAt),
        ...(spec.helper === undefined ? [] : [native.helperOpen(spec.helper, domain, type, protocol)]),
      );
    } catch (err) {
      throw toSocketError(err);
    }
    try {
      this.#enableAncillary(spec);
    } catch (err) {
      this.#handle.close();
      throw toSocketError(err);
    }
    if (spec.reuseMessage) this.#receiveShared(spec.receiveBufferBytes ?? 65_536);
  }

  #receiveShared(bytes: number): void {
    const data = Buffer.allocUnsafeSlow(bytes);
    const from = Buffer.alloc(SOCKADDR_STORAGE);
    const message = new SharedMessage(data);
    this.#handle.receiveInto(
      data,
      from,
      (length, fromLength, seconds, nanoseconds, hopLimit, ifindex, truncated) => {
        if (this.#messageListeners.size === 0) return;
        const address = fromLength > 0 ? this.#sharedFrom(from, fromLength) : undefined;
        message.fill(length, address, seconds, nanoseconds, hopLimit, ifindex, truncated);
        for (const l of this.#messageListeners) l(message);
      },
    );
  }

  // IPv4 senders by port, then by address (as a 32-bit integer: no string, no key object made).
  // Bounded: a socket that hears from very many senders starts over.
  readonly #inetSenders = new Map<number, Map<number, SocketAddress>>();
  #inetSenderCount = 0;
  #sharedFrom(from: Buffer, length: number): SocketAddress | undefined {
    if (length >= 8 && from.readUInt16LE(0) === AddressFamily.inet) {
      const port = from.readUInt16BE(2);
      const ip = from.readInt32BE(4);
      let byAddress = this.#inetSenders.get(port);
      let address = byAddress?.get(ip);
      if (address) return address;
      if (this.#inetSenderCount >= MAX_SENDERS) {
        this.#inetSenders.clear();
        this.#inetSenderCount = 0;
        byAddress = undefined;
      }
      if (!byAddress) {
        byAddress = new Map();
        this.#inetSenders.set(port, byAddress);
      }
      address = decodeSockaddr(from.subarray(0, length));
      if (address) {
        byAddress.set(ip, address);
        this.#inetSenderCount++;
      }
      return address;
    }
    // Other families: the last sender's bytes kept, as in #decodeFrom.
    if (this.#lastFrom?.length === length && this.#lastFrom.compare(from, 0, length) === 0)
      return this.#lastAddress;
    this.#lastFrom = Buffer.from(from.subarray(0, length));
    this.#lastAddress = decodeSockaddr(this.#lastFrom);
    return this.#lastAddress;
  }

  #enableAncillary(spec: OpenSpec): void {
    const c = addon().constants;
    if (spec.domain === 'netlink') return;
    this.#handle.setOption(c.SOL_SOCKET!, c.SO_TIMESTAMPNS!, 1);
    if (spec.domain === 'inet') {
      this.#handle.setOption(c.IPPROTO_IP!, c.IP_RECVTTL!, 1);
      this.#handle.setOption(c.IPPROTO_IP!, c.IP_PKTINFO!, 1);
      if (spec.errorQueue) this.#handle.setOption(c.IPPROTO_IP!, c.IP_RECVERR!, 1);
    } else if (spec.domain === 'inet6') {
      this.#handle.setOption(c.IPPROTO_IPV6!, c.IPV6_RECVHOPLIMIT!, 1);
      this.#handle.setOption(c.IPPROTO_IPV6!, c.IPV6_RECVPKTINFO!, 1);
      if (spec.errorQueue) this.#handle.setOption(c.IPPROTO_IPV6!, c.IPV6_RECVERR!, 1);
    } else if (spec.errorQueue) {
      throw new TypeError('the error queue is read on inet and inet6 sockets only');
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Datagrams waiting for room in the socket buffer (backpressure: see onDrain). */
  get queueLength(): number {
    return this.#closed ? 0 : this.#handle.queueLength;
  }

  /** setsockopt with an integer or raw bytes. */
  setOption(level: number, name: number, value: number | Uint8Array): void {
    this.#call(() => this.#handle.setOption(level, name, value));
  }

  /** getsockopt as an integer, or as at most `bytes` raw bytes. */
  getOption(level: number, name: number): number;
  getOption(level: number, name: number, bytes: number): Buffer;
  getOption(level: number, name: number, bytes?: number): number | Buffer {
    return this.#call(() =>
      bytes === undefined ? this.#handle.getOption(level, name) : this.#handle.getOption(level, name, bytes),
    );
  }

  bind(address: SocketAddress): void {
    this.#call(() => this.#handle.bind(encodeSockaddr(address)));
  }

  connect(address: SocketAddress): void {
    this.#call(() => this.#handle.connect(encodeSockaddr(address)));
  }

  /** getsockname: for an ICMP datagram socket, `port` is the echo identifier the kernel writes. */
  localAddress(): SocketAddress | undefined {
    return decodeSockaddr(this.#call(() => this.#handle.localAddress()));
  }

  /**
   * Sends one datagram now (or, when the socket buffer is full, as soon as it has room) and
   * resolves with the monotonic time (ns) taken just before the system call. `address` may be
   * omitted on a connected socket. Rejects with SocketError; code EAGAIN when the send queue is
   * full too.
   */
  send(data: Uint8Array, address?: SocketAddress, options: SendOptions = {}): Promise<bigint> {
    try {
      const token = this.#nextToken++;
      const sentAt = this.#handle.send(
        data,
        address ? this.#encodeTo(address) : null,
        options.ttl ?? -1,
        options.tos ?? -1,
        options.source !== undefined ? ipBytes(options.source) : null,
        options.ifindex ?? 0,
        token,
      );
      if (sentAt !== undefined) return Promise.resolve(sentAt);
      return new Promise((resolve, reject) => this.#pending.set(token, { resolve, reject }));
    } catch (err) {
      return Promise.reject(toSocketError(err));
    }
  }

  /**
   * As send(), without a promise, for callers sending thousands a second: true when the datagram
   * left now, its send time then in `lastSentAt` (overwritten by the next send); false when the
   * socket buffer was full and it waits in the send queue (it leaves when there is room, its
   * time unreported). Throws SocketError; code EAGAIN when the send queue is full too.
   */
  trySend(data: Uint8Array, address?: SocketAddress, options: SendOptions = NO_OPTIONS): boolean {
    try {
      return (
        this.#handle.send(
          data,
          address ? this.#encodeTo(address) : null,
          options.ttl ?? -1,
          options.tos ?? -1,
          options.source !== undefined ? ipBytes(options.source) : null,
          options.ifindex ?? 0,
          0,
          this.#sentAt,
        ) === true
      );
    } catch (err) {
      throw toSocketError(err);
    }
  }

  readonly #sentAt = new Float64Array(2);
  readonly #lastSentAt: [number, number] = [0, 0];
  /** The monotonic time [seconds, nanoseconds] of the last trySend() that returned true. */
  get lastSentAt(): readonly [number, number] {
    this.#lastSentAt[0] = this.#sentAt[0]!;
    this.#lastSentAt[1] = this.#sentAt[1]!;
    return this.#lastSentAt;
  }

  // A prober sends to the same few address objects over and over: encode each once.
  readonly #encoded = new WeakMap<SocketAddress, Buffer>();
  #encodeTo(address: SocketAddress): Buffer {
    let bytes = this.#encoded.get(address);
    if (!bytes) {
      bytes = encodeSockaddr(address);
      this.#encoded.set(address, bytes);
    }
    return bytes;
  }

  /** Adds a listener for every message received; returns a function that removes it. */
  onMessage(listener: Listener<Message>): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** Adds a listener for error-queue entries (with `errorQueue: true`) and pending socket errors. */
  onErrorQueue(listener: Listener<ErrorQueueEntry>): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Called when queued datagrams have all gone out. */
  onDrain(listener: () => void): () => void {
    this.#drainListeners.add(listener);
    return () => this.#drainListeners.delete(listener);
  }

  /** Keeps the event loop alive while open (the default). */
  ref(): void {
    if (!this.#closed) this.#handle.ref();
  }

  /** Lets the process (or worker) exit while the socket is open. */
  unref(): void {
    if (!this.#closed) this.#handle.unref();
  }

  /**
   * Reads every datagram (and error-queue entry) the kernel holds now, delivering them to the
   * listeners before returning. libuv runs timers before it polls, so a timer deciding that a
   * reply is late calls this first.
   */
  drain(): void {
    if (!this.#closed) this.#handle.drain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.close();
    // Made only for sends still waiting: an error's stack trace costs a run's last moments.
    if (this.#pending.size > 0) {
      const closed = new SocketError(
        'sendmsg EBADF: socket closed before the datagram was sent',
        'EBADF',
        9,
        'sendmsg',
      );
      for (const p of this.#pending.values()) p.reject(closed);
      this.#pending.clear();
    }
    this.#messageListeners.clear();
    this.#errorListeners.clear();
    this.#drainListeners.clear();
  }

  #call<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw toSocketError(err);
    }
  }

  #message(
    data: Buffer,
    from: Buffer | undefined,
    kernelNs: bigint | undefined,
    hopLimit: number,
    ifindex: number,
    truncated: boolean,
  ): void {
    if (this.#messageListeners.size === 0) return;
    const address = from ? this.#decodeFrom(from) : undefined;
    const message: Mutable<Message> = {
      data,
      from: address,
      receivedAt: kernelNs ?? process.hrtime.bigint(),
      kernelTimestamp: kernelNs !== undefined,
      truncated,
    };
    if (hopLimit >= 0) message.hopLimit = hopLimit;
    if (ifindex > 0) message.ifindex = ifindex;
    else if (address?.family === 'packet') message.ifindex = address.ifindex;
    for (const l of this.#messageListeners) l(message);
  }

  // Replies mostly come from the peer of the last one: decoding (and, for IPv6, formatting) its
  // address once per peer rather than once per datagram roughly halves the cost of a reply.
  #lastFrom: Buffer | undefined;
  #lastAddress: SocketAddress | undefined;
  #decodeFrom(from: Buffer): SocketAddress | undefined {
    if (this.#lastFrom?.equals(from)) return this.#lastAddress;
    this.#lastFrom = from;
    this.#lastAddress = decodeSockaddr(from);
    return this.#lastAddress;
  }

  #errorEntry(
    errno: number,
    origin: number,
    icmpType: number,
    icmpCode: number,
    info: number,
    offender: Buffer | undefined,
    destination: Buffer | undefined,
    payload: Buffer | undefined,
    kernelNs: bigint | undefined,
  ): void {
    if (this.#errorListeners.size === 0) return;
    const entry: ErrorQueueEntry = {
      errno,
      code: errnoName(errno),
      origin: ORIGINS[origin] ?? 'other',
      icmpType,
      icmpCode,
      info,
      offender: offender ? decodeSockaddr(offender) : undefined,
      destination: destination ? decodeSockaddr(destination) : undefined,
      payload: payload ?? Buffer.alloc(0),
      receivedAt: kernelNs ?? process.hrtime.bigint(),
      kernelTimestamp: kernelNs !== undefined,
    };
    for (const l of this.#errorListeners) l(entry);
  }

  #sent(token: number, errno: number, sentAt: bigint): void {
    const p = this.#pending.get(token);
    this.#pending.delete(token);
    if (p) {
      if (errno === 0) p.resolve(sentAt);
      else p.reject(new SocketError(`sendmsg ${errnoName(errno)}`, errnoName(errno), errno, 'sendmsg'));
    }
    if (this.#pending.size === 0 && !this.#closed) for (const l of this.#drainListeners) l();
  }
}

// Made on the first error: node:os is not among the modules Node starts with, and loading it
// (0.2 ms on Node 24) is all a trace that meets no error would pay for this table.
let errnoNames: Map<number, string> | undefined;

/** EHOSTUNREACH for 113, or "E<n>" for a number Node does not name. */
export function errnoName(errno: number): string {
  errnoNames ??= new Map(
    Object.entries(process.getBuiltinModule('node:os').constants.errno).map(([name, value]) => [value, name]),
  );
  return errnoNames.get(errno) ?? `E${errno}`;
}

/**
 * The source address the kernel would give a datagram to `to`, asked as iputils asks: a UDP socket
 * connected there (which sends nothing) and its local address read back, all in one addon call.
 * Throws SocketError where there is no route (ENETUNREACH, EHOSTUNREACH, ...), NativeUnavailableError
 * where the addon is not built.
 */
export function routeSource(to: InetAddress | Inet6Address): string {
  let local: SocketAddress | undefined;
  try {
    local = decodeSockaddr(addon().routeSource(encodeSockaddr(to)));
  } catch (err) {
    throw toSocketError(err);
  }
  if (local?.family === 'inet' || local?.family === 'inet6') return local.address;
  throw new SocketError(
    `getsockname EINVAL: no local address for a route to ${to.address}`,
    'EINVAL',
    22,
    'getsockname',
  );
}

/** Opens a socket. Throws NativeUnavailableError where the addon is not built, SocketError where socket() fails. */
export function open(spec: OpenSpec): NativeSocket {
  return new NativeSocket(spec);
}
