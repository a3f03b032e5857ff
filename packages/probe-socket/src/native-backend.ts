// The probe-socket backend over @netdiag/native-socket: raw sockets (CAP_NET_RAW) or, without
// privilege, datagram sockets: ICMP ones (where net.ipv4.ping_group_range admits the user) and
// UDP ones (anyone), both reading ICMP errors from their error queue.
import {
  constants,
  type ErrorQueueEntry,
  encodeSockaddr,
  type NativeSocket,
  open as openNative,
  type SocketAddress,
} from '@netdiag/native-socket';
import { ProbeSocketError, pingGroupFix, toProbeSocketError } from './errors.js';
import type { IpFamily, ProbeSocket, ReceivedPacket, SendOptions, SocketSpec } from './types.js';

/**
 * Raw sockets (the prober builds every header but IP) or datagram sockets: ICMP (the kernel owns
 * the identifier) or UDP (`udp-datagram`: the kernel writes the whole UDP header).
 */
export type NativeKind = 'raw' | 'dgram';

const IPPROTO = { icmp4: 1, icmp6: 58, udp: 17, tcp: 6 } as const;

const UDP_HEADER = 8;
const NO_OPTIONS: SendOptions = {};
/** What a udp-datagram socket reads at most of one error: more than any ICMP error quotes. */
const UDP_DATAGRAM_RECEIVE_BYTES = 2048;

function protocolNumber(spec: SocketSpec): number {
  if (spec.protocol === 'icmp') return spec.family === 6 ? IPPROTO.icmp6 : IPPROTO.icmp4;
  return spec.protocol === 'tcp' ? IPPROTO.tcp : IPPROTO.udp;
}

function inetAddress(family: IpFamily, address: string, port = 0): SocketAddress {
  return family === 6 ? { family: 'inet6', address, port } : { family: 'inet', address, port };
}

/** Linux's SO_RCVBUFFORCE (33 on x86, arm and the other architectures Node runs on). */
const SO_RCVBUFFORCE = 33;

/**
 * The kernel receive buffer: forced past rmem_max where the process has CAP_NET_ADMIN, else as
 * far as rmem_max lets SO_RCVBUF go. A smaller buffer than asked is not an error: the socket works,
 * it only drops sooner under a burst.
 */
function setReceiveBuffer(socket: NativeSocket, bytes: number): void {
  const c = constants();
  const level = c.SOL_SOCKET!;
  try {
    socket.setOption(level, SO_RCVBUFFORCE, bytes);
  } catch {
    try {
      socket.setOption(level, c.SO_RCVBUF!, bytes);
    } catch {
      // keep the kernel's default
    }
  }
}

/**
 * DF on every datagram, sized against the interface MTU rather than the route's cached path MTU
 * (PROBE, as tracepath): a path MTU another program's traffic taught the kernel must not stand in
 * for what this trace measures. IPv6 hosts fragment their own datagrams unless told not to.
 */
function setDontFragment(socket: NativeSocket, family: IpFamily): void {
  // Linux's numbers where an addon built before these constants is loaded.
  const c = constants();
  if (family === 4) {
    socket.setOption(c.IPPROTO_IP!, c.IP_MTU_DISCOVER ?? 10, c.IP_PMTUDISC_PROBE ?? 3);
  } else {
    socket.setOption(c.IPPROTO_IPV6!, c.IPV6_MTU_DISCOVER ?? 23, c.IPV6_PMTUDISC_PROBE ?? 3);
    socket.setOption(c.IPPROTO_IPV6!, c.IPV6_DONTFRAG ?? 62, 1);
  }
}

/** The native error's syscall, in the names ProbeSocketError knows. */
function nativeError(err: unknown, syscall: ProbeSocketError['syscall']): ProbeSocketError {
  return toProbeSocketError(err, syscall);
}

/**
 * Opens a native socket for probing. Throws ProbeSocketError (isPermissionDenied on EPERM /
 * EACCES), or NativeUnavailableError where the addon is not built.
 */
export function openNativeSocket(spec: SocketSpec, kind: NativeKind, helper?: string): ProbeSocket {
  if (kind === 'dgram' && spec.protocol !== 'icmp' && spec.protocol !== 'udp-datagram') {
    throw new ProbeSocketError(
      `datagram sockets serve ICMP and udp-datagram only, not ${spec.protocol}`,
      'EINVAL',
      'socket',
    );
  }
  if (kind === 'raw' && spec.protocol === 'udp-datagram') {
    throw new ProbeSocketError('udp-datagram needs a datagram socket, not a raw one', 'EINVAL', 'socket');
  }
  if (
    spec.protocol === 'udp-datagram' &&
    !(Number.isInteger(spec.port) && spec.port >= 1 && spec.port <= 65_535)
  ) {
    throw new ProbeSocketError(`destination port must be 1 to 65535, not ${spec.port}`, 'EINVAL', 'socket');
  }
  let socket: NativeSocket;
  try {
    socket = openNative({
      domain: spec.family === 6 ? 'inet6' : 'inet',
      type: kind,
      protocol: protocolNumber(spec),
      // ICMP errors reach raw sockets as packets; datagram sockets get them only on the error queue.
      // Path MTU probes need it on raw sockets too: the local EMSGSIZE entry carries the MTU.
      errorQueue: kind === 'dgram' || spec.dontFragment === true,
      // A raw socket the privileged helper opens and passes back (see ./privilege.ts).
      ...(helper !== undefined && kind === 'raw' ? { helper } : {}),
      // A UDP datagram socket lives for one probe and reads only ICMP errors, which quote at most
      // 576 (IPv4) or 1280 (IPv6) bytes: a small buffer makes opening one 4× cheaper (65 KiB
      // otherwise allocated per socket; measured 230 against 60 µs to open, bind and close).
      ...(spec.protocol === 'udp-datagram' ? { receiveBufferBytes: UDP_DATAGRAM_RECEIVE_BYTES } : {}),
      ...(spec.protocol !== 'udp-datagram' && spec.reusePacket ? { reuseMessage: true } : {}),
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'NativeUnavailableError') throw err;
    const e = nativeError(err, 'socket');
    if (kind === 'dgram' && spec.protocol === 'icmp' && e.isPermissionDenied) {
      throw new ProbeSocketError(
        `no permission to open an ICMP datagram socket: ${pingGroupFix()}`,
        e.code,
        'socket',
        { cause: err },
      );
    }
    throw e;
  }
  if (spec.protocol !== 'udp-datagram' && spec.receiveBufferBytes !== undefined)
    setReceiveBuffer(socket, spec.receiveBufferBytes);
  if (spec.dontFragment) {
    try {
      setDontFragment(socket, spec.family);
    } catch (err) {
      socket.close();
      throw nativeError(err, 'setsockopt');
    }
  }
  let bound: number | undefined;
  if (kind === 'dgram') {
    // The bound "port" of an ICMP datagram socket is the echo identifier the kernel writes into
    // every request. Ask for the caller's; if another socket holds it, take any free one. A UDP
    // socket takes an ephemeral port now, so that its errors can be quoted with it.
    const wanted = spec.protocol === 'icmp' ? spec.identifier : undefined;
    const any = spec.family === 6 ? '::' : '0.0.0.0';
    try {
      try {
        socket.bind(inetAddress(spec.family, any, wanted ?? 0));
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EADDRINUSE' || wanted === undefined) throw err;
        socket.bind(inetAddress(spec.family, any, 0));
      }
      const local = socket.localAddress();
      bound = local && (local.family === 'inet' || local.family === 'inet6') ? local.port : undefined;
    } catch (err) {
      socket.close();
      throw nativeError(err, 'bind');
    }
  }
  return adapt(socket, spec, kind, bound, helper !== undefined && kind === 'raw');
}

function adapt(
  socket: NativeSocket,
  spec: SocketSpec,
  kind: NativeKind,
  bound: number | undefined,
  fromHelper = false,
): ProbeSocket {
  const errorListeners = new Set<(e: Error) => void>();
  const destinations = new Map<string, SocketAddress>();
  const fromText = (a: SocketAddress | undefined) =>
    a && (a.family === 'inet' || a.family === 'inet6') ? a.address : '';
  const ipv4Transport = kind === 'dgram' && spec.family === 4;
  const udpDatagram = spec.protocol === 'udp-datagram';
  const port = spec.protocol === 'udp-datagram' ? spec.port : 0;
  const quote: QuotedTransport =
    spec.protocol === 'udp-datagram' ? { protocol: 'udp', sourcePort: bound ?? 0 } : { protocol: 'icmp' };
  // The kernel queues a local EMSGSIZE entry (ee_info: the MTU) in the same sendmsg that fails.
  let localMtu: number | undefined;
  if (spec.dontFragment)
    socket.onErrorQueue((e) => {
      if (e.origin === 'local' && e.code === 'EMSGSIZE' && e.info > 0) localMtu = e.info;
    });
  const sendError = (err: unknown) => {
    const e = toProbeSocketError(err, 'sendto');
    if (!spec.dontFragment || e.code !== 'EMSGSIZE') return e;
    localMtu = undefined;
    socket.drain();
    return localMtu === undefined
      ? e
      : new ProbeSocketError(`${e.message} (MTU ${localMtu})`, e.code, 'sendto', {
          cause: err,
          mtu: localMtu,
        });
  };

  // Probers send to few destinations many times; the socket encodes each address object once.
  const destination = (to: string): SocketAddress => {
    let address = destinations.get(to);
    if (!address) {
      try {
        address = inetAddress(spec.family, to, port);
        encodeSockaddr(address); // validates it now, as a send error, not later
      } catch (err) {
        throw toProbeSocketError(Object.assign(new Error(String(err)), { code: 'EINVAL' }), 'sendto');
      }
      // 65,536: a monitoring agent sends to every one of 10,000 targets each second.
      if (destinations.size >= 65_536) destinations.clear();
      destinations.set(to, address);
    }
    return address;
  };
  // With reusePacket, one packet object refilled per message (see SocketSpec.reusePacket).
  const reuse = spec.protocol !== 'udp-datagram' && spec.reusePacket === true;
  // hopLimit undefined rather than absent: the one object keeps one shape.
  const shared: SharedPacket = {
    data: Buffer.alloc(0),
    from: '',
    receivedAt: 0n,
    kernelTimestamp: false,
    hopLimit: undefined,
  };
  if (ipv4Transport) shared.includesIpHeader = false;
  if (reuse)
    Object.defineProperty(shared, 'receivedAt', {
      enumerable: true,
      get: () => {
        const t = shared.receivedHrtime;
        return t ? BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]) : 0n;
      },
    });

  const probe: ProbeSocket = {
    family: spec.family,
    protocol: spec.protocol,
    backend: fromHelper ? 'native-helper' : kind === 'raw' ? 'native-raw' : 'native-dgram',
    canUnref: true,
    ...(bound !== undefined && spec.protocol === 'icmp' ? { boundIdentifier: bound } : {}),
    ...(bound !== undefined && udpDatagram ? { boundPort: bound } : {}),
    get closed() {
      return socket.closed;
    },
    send(packet: Uint8Array, to: string, options?: SendOptions): Promise<bigint> {
      if (socket.closed)
        return Promise.reject(toProbeSocketError(new Error('Bad file descriptor'), 'sendto'));
      let address: SocketAddress;
      try {
        address = destination(to);
      } catch (err) {
        return Promise.reject(err);
      }
      // TTL and TOS travel as control messages with this datagram alone: no sticky option to race on.
      return socket.send(packet, address, options ?? NO_OPTIONS).catch((err: unknown) => {
        throw sendError(err);
      });
    },
    trySend(packet: Uint8Array, to: string, options?: SendOptions): boolean {
      if (socket.closed) throw toProbeSocketError(new Error('Bad file descriptor'), 'sendto');
      const address = destination(to);
      try {
        return socket.trySend(packet, address, options ?? NO_OPTIONS);
      } catch (err) {
        throw sendError(err);
      }
    },
    get lastSentAt() {
      return socket.lastSentAt;
    },
    onPacket(listener) {
      // A UDP datagram socket's own messages are UDP payloads, not ICMP: probers hear ICMP only.
      const offMessage = udpDatagram
        ? () => {}
        : reuse
          ? socket.onMessage((m) => {
              shared.data = m.data;
              shared.from = fromText(m.from);
              shared.receivedHrtime = m.receivedHrtime;
              shared.kernelTimestamp = m.kernelTimestamp;
              shared.hopLimit = m.hopLimit;
              listener(shared as ReceivedPacket);
            })
          : socket.onMessage((m) => {
              const packet: { -readonly [K in keyof ReceivedPacket]: ReceivedPacket[K] } = {
                data: m.data,
                from: fromText(m.from),
                receivedAt: m.receivedAt,
                kernelTimestamp: m.kernelTimestamp,
              };
              if (m.hopLimit !== undefined) packet.hopLimit = m.hopLimit;
              if (ipv4Transport) packet.includesIpHeader = false;
              listener(packet);
            });
      const offErrors =
        kind === 'dgram'
          ? socket.onErrorQueue((e) => {
              const packet = icmpErrorPacket(spec.family, e, quote);
              if (packet) listener(packet);
            })
          : () => {};
      return () => {
        offMessage();
        offErrors();
      };
    },
    onError(listener) {
      // The native socket survives ICMP errors and pending socket errors alike (they are events);
      // nothing closes it but close().
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
    drain() {
      socket.drain();
    },
    unref() {
      socket.unref();
    },
    ref() {
      socket.ref();
    },
    close() {
      errorListeners.clear();
      socket.close();
    },
  };
  return probe;
}

/** The one packet a `reusePacket` socket delivers, refilled per message. */
type SharedPacket = {
  -readonly [K in keyof Omit<ReceivedPacket, 'hopLimit'>]: ReceivedPacket[K];
} & { hopLimit: number | undefined };

/**
 * What an error-queue entry's quote began with: the ICMP header (ICMP datagram sockets), or, on
 * UDP datagram sockets, the payload after a UDP header the kernel reads and drops; the entry
 * keeps its destination port, and the source port is the socket's own.
 */
export type QuotedTransport =
  | { readonly protocol: 'icmp' }
  | { readonly protocol: 'udp'; readonly sourcePort: number };

/**
 * A datagram socket reads ICMP errors from its error queue as parts (type, code, the router
 * that sent it, the destination and what was quoted of the datagram). Re-encode them as the
 * ICMP error message they came in, so a prober decodes them as it decodes raw replies. The
 * quoted IP header carries what the kernel reported: destination, protocol and family (its
 * source is the unspecified address and its TTL/hop limit 0, not reported). For UDP the quoted
 * UDP header is rebuilt from the ports; its checksum, not reported, is 0 ("none" in IPv4), and
 * its length counts what was quoted.
 */
export function icmpErrorPacket(
  family: IpFamily,
  e: ErrorQueueEntry,
  quoted: QuotedTransport = { protocol: 'icmp' },
): ReceivedPacket | undefined {
  if (e.origin !== (family === 6 ? 'icmp6' : 'icmp')) return undefined;
  const destination = e.destination;
  const offender = e.offender;
  if (!offender || (offender.family !== 'inet' && offender.family !== 'inet6')) return undefined;
  if (!destination || (destination.family !== 'inet' && destination.family !== 'inet6')) return undefined;
  let transport = e.payload;
  if (quoted.protocol === 'udp') {
    transport = Buffer.alloc(UDP_HEADER + e.payload.length);
    transport.writeUInt16BE(quoted.sourcePort, 0);
    transport.writeUInt16BE(destination.port, 2);
    transport.writeUInt16BE(Math.min(0xffff, transport.length), 4);
    e.payload.copy(transport, UDP_HEADER);
  }
  const protocol = quoted.protocol === 'udp' ? IPPROTO.udp : family === 6 ? IPPROTO.icmp6 : IPPROTO.icmp4;
  let data: Buffer;
  if (family === 4) {
    data = Buffer.alloc(8 + 20 + transport.length);
    data[0] = e.icmpType;
    data[1] = e.icmpCode;
    // Fragmentation needed carries the next-hop MTU in the low half of the rest-of-header.
    if (e.icmpType === 3 && e.icmpCode === 4) data.writeUInt16BE(e.info & 0xffff, 6);
    data[8] = 0x45;
    data.writeUInt16BE(Math.min(0xffff, 20 + transport.length), 10);
    data[8 + 9] = protocol;
    destination.address.split('.').forEach((octet, i) => {
      data[8 + 16 + i] = Number(octet);
    });
    transport.copy(data, 28);
  } else {
    data = Buffer.alloc(8 + 40 + transport.length);
    data[0] = e.icmpType;
    data[1] = e.icmpCode;
    // Packet too big carries the MTU in the rest-of-header.
    if (e.icmpType === 2) data.writeUInt32BE(e.info >>> 0, 4);
    data[8] = 0x60;
    data.writeUInt16BE(Math.min(0xffff, transport.length), 12);
    data[8 + 6] = protocol;
    ipv6Bytes(destination.address).copy(data, 8 + 24);
    transport.copy(data, 48);
  }
  return {
    data,
    from: offender.address,
    receivedAt: e.receivedAt,
    kernelTimestamp: e.kernelTimestamp,
    ...(family === 4 ? { includesIpHeader: false } : {}),
  };
}

function ipv6Bytes(address: string): Buffer {
  // Reuse the sockaddr codec for the parsing: bytes 8..24 of a sockaddr_in6 are the address.
  return encodeSockaddr({ family: 'inet6', address, port: 0 }).subarray(8, 24);
}
