// The probe-socket backend over @netdiag/native-socket: raw sockets (CAP_NET_RAW) or, for ICMP
// without privilege, ICMP datagram sockets (where net.ipv4.ping_group_range admits the user).
import {
  type ErrorQueueEntry,
  encodeSockaddr,
  type NativeSocket,
  open as openNative,
  type SocketAddress,
} from '@netdiag/native-socket';
import { ProbeSocketError, pingGroupFix, toProbeSocketError } from './errors.js';
import type { IpFamily, ProbeSocket, ReceivedPacket, SendOptions, SocketSpec } from './types.js';

/** Raw sockets (the prober builds every header but IP) or ICMP datagram sockets (the kernel owns the identifier). */
export type NativeKind = 'raw' | 'dgram';

const IPPROTO = { icmp4: 1, icmp6: 58, udp: 17, tcp: 6 } as const;

function protocolNumber(spec: SocketSpec): number {
  if (spec.protocol === 'icmp') return spec.family === 6 ? IPPROTO.icmp6 : IPPROTO.icmp4;
  return spec.protocol === 'udp' ? IPPROTO.udp : IPPROTO.tcp;
}

function inetAddress(family: IpFamily, address: string, port = 0): SocketAddress {
  return family === 6 ? { family: 'inet6', address, port } : { family: 'inet', address, port };
}

/** The native error's syscall, in the names ProbeSocketError knows. */
function nativeError(err: unknown, syscall: ProbeSocketError['syscall']): ProbeSocketError {
  return toProbeSocketError(err, syscall);
}

/**
 * Opens a native socket for probing. Throws ProbeSocketError (isPermissionDenied on EPERM /
 * EACCES), or NativeUnavailableError where the addon is not built.
 */
export function openNativeSocket(spec: SocketSpec, kind: NativeKind): ProbeSocket {
  if (kind === 'dgram' && spec.protocol !== 'icmp') {
    throw new ProbeSocketError(`datagram sockets serve ICMP only, not ${spec.protocol}`, 'EINVAL', 'socket');
  }
  let socket: NativeSocket;
  try {
    socket = openNative({
      domain: spec.family === 6 ? 'inet6' : 'inet',
      type: kind,
      protocol: protocolNumber(spec),
      // ICMP errors reach raw sockets as packets; datagram sockets get them only on the error queue.
      errorQueue: kind === 'dgram',
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'NativeUnavailableError') throw err;
    const e = nativeError(err, 'socket');
    if (kind === 'dgram' && e.isPermissionDenied) {
      throw new ProbeSocketError(
        `no permission to open an ICMP datagram socket: ${pingGroupFix()}`,
        e.code,
        'socket',
        { cause: err },
      );
    }
    throw e;
  }
  let boundIdentifier: number | undefined;
  if (kind === 'dgram') {
    // The bound "port" of an ICMP datagram socket is the echo identifier the kernel writes into
    // every request. Ask for the caller's; if another socket holds it, take any free one.
    try {
      try {
        socket.bind(inetAddress(spec.family, spec.family === 6 ? '::' : '0.0.0.0', spec.identifier ?? 0));
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EADDRINUSE' || spec.identifier === undefined) throw err;
        socket.bind(inetAddress(spec.family, spec.family === 6 ? '::' : '0.0.0.0', 0));
      }
      const local = socket.localAddress();
      boundIdentifier =
        local && (local.family === 'inet' || local.family === 'inet6') ? local.port : undefined;
    } catch (err) {
      socket.close();
      throw nativeError(err, 'bind');
    }
  }
  return adapt(socket, spec, kind, boundIdentifier);
}

function adapt(
  socket: NativeSocket,
  spec: SocketSpec,
  kind: NativeKind,
  boundIdentifier: number | undefined,
): ProbeSocket {
  const errorListeners = new Set<(e: Error) => void>();
  const destinations = new Map<string, SocketAddress>();
  const fromText = (a: SocketAddress | undefined) =>
    a && (a.family === 'inet' || a.family === 'inet6') ? a.address : '';
  const ipv4Transport = kind === 'dgram' && spec.family === 4;

  const probe: ProbeSocket = {
    family: spec.family,
    protocol: spec.protocol,
    backend: kind === 'raw' ? 'native-raw' : 'native-dgram',
    canUnref: true,
    ...(boundIdentifier !== undefined ? { boundIdentifier } : {}),
    get closed() {
      return socket.closed;
    },
    send(packet: Uint8Array, to: string, options?: SendOptions): Promise<bigint> {
      if (socket.closed)
        return Promise.reject(toProbeSocketError(new Error('Bad file descriptor'), 'sendto'));
      let address = destinations.get(to);
      if (!address) {
        try {
          address = inetAddress(spec.family, to);
          encodeSockaddr(address); // validates it now, as a send error, not later
        } catch (err) {
          return Promise.reject(
            toProbeSocketError(Object.assign(new Error(String(err)), { code: 'EINVAL' }), 'sendto'),
          );
        }
        // Probers send to few destinations many times; the socket encodes each address object once.
        if (destinations.size >= 4096) destinations.clear();
        destinations.set(to, address);
      }
      // TTL travels as a control message with this datagram alone: no sticky option to race on.
      return socket
        .send(packet, address, options?.ttl !== undefined ? { ttl: options.ttl } : {})
        .catch((err: unknown) => {
          throw toProbeSocketError(err, 'sendto');
        });
    },
    onPacket(listener) {
      const offMessage = socket.onMessage((m) => {
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
              const packet = icmpErrorPacket(spec.family, e);
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

/**
 * An ICMP datagram socket reads ICMP errors from its error queue as parts (type, code, the
 * router that sent it, the destination and the quoted transport header on). Re-encode them as
 * the ICMP error message they came in, so a prober decodes them as it decodes raw replies. The
 * quoted IP header carries what the kernel reported: destination, protocol and family (its
 * source is the unspecified address and its TTL/hop limit 0, not quoted by the kernel).
 */
export function icmpErrorPacket(family: IpFamily, e: ErrorQueueEntry): ReceivedPacket | undefined {
  if (e.origin !== (family === 6 ? 'icmp6' : 'icmp')) return undefined;
  const destination = e.destination;
  const offender = e.offender;
  if (!offender || (offender.family !== 'inet' && offender.family !== 'inet6')) return undefined;
  if (!destination || (destination.family !== 'inet' && destination.family !== 'inet6')) return undefined;
  const payload = e.payload;
  let data: Buffer;
  if (family === 4) {
    data = Buffer.alloc(8 + 20 + payload.length);
    data[0] = e.icmpType;
    data[1] = e.icmpCode;
    // Fragmentation needed carries the next-hop MTU in the low half of the rest-of-header.
    if (e.icmpType === 3 && e.icmpCode === 4) data.writeUInt16BE(e.info & 0xffff, 6);
    data[8] = 0x45;
    data.writeUInt16BE(20 + payload.length, 10);
    data[8 + 9] = IPPROTO.icmp4;
    destination.address.split('.').forEach((octet, i) => {
      data[8 + 16 + i] = Number(octet);
    });
    payload.copy(data, 28);
  } else {
    data = Buffer.alloc(8 + 40 + payload.length);
    data[0] = e.icmpType;
    data[1] = e.icmpCode;
    // Packet too big carries the MTU in the rest-of-header.
    if (e.icmpType === 2) data.writeUInt32BE(e.info >>> 0, 4);
    data[8] = 0x60;
    data.writeUInt16BE(payload.length, 12);
    data[8 + 6] = IPPROTO.icmp6;
    ipv6Bytes(destination.address).copy(data, 8 + 24);
    payload.copy(data, 48);
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
