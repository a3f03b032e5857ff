// The only file in netdiag that touches the `raw-socket` native module. Its typings (from
// DefinitelyTyped) carry wrong option values, so the module is typed here by what we use and
// every constant is read from the loaded module at run time.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProbeSocketError, toProbeSocketError } from './errors.js';
import type { ProbeSocket, ReceivedPacket, SendOptions, SocketSpec } from './types.js';

interface RawSocketHandle {
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  send(
    buffer: Uint8Array,
    offset: number,
    length: number,
    address: string,
    before: (() => void) | null,
    after: (error: Error | null, bytes: number) => void,
  ): void;
  setOption(level: number, option: number, value: number): void;
  close(): void;
}

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocketHandle;
  AddressFamily: { IPv4: number; IPv6: number };
  Protocol: { ICMP: number; ICMPv6: number; UDP: number; TCP: number };
  SocketLevel: { IPPROTO_IP: number; IPPROTO_IPV6: number };
  SocketOption: { IP_TTL: number; IPV6_UNICAST_HOPS: number; IP_TOS: number };
}

let loaded: { readonly module: RawSocketModule } | { readonly error: ProbeSocketError } | undefined;
function rawSocket(): RawSocketModule {
  // Loaded on first use so that commands which never probe (lookup, netstat) never load it.
  loaded ??= loadRawSocket();
  if ('error' in loaded) throw loaded.error;
  return loaded.module;
}

/** Whether raw-socket loads on this Node, and if not, why (one line). */
export function rawSocketAvailability():
  | { readonly available: true }
  | { readonly available: false; readonly reason: string } {
  loaded ??= loadRawSocket();
  return 'error' in loaded ? { available: false, reason: loaded.error.message } : { available: true };
}

function loadRawSocket(): { readonly module: RawSocketModule } | { readonly error: ProbeSocketError } {
  const unavailable = (why: string, cause?: unknown) => ({
    error: new ProbeSocketError(`raw-socket is unavailable: ${why}`, 'UNKNOWN', 'socket', { cause }),
  });
  const { createRequire, Module } = process.getBuiltinModule('node:module');
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('raw-socket/package.json'));
  } catch (err) {
    return unavailable('not installed (an optional dependency: its build needs g++, make and python3)', err);
  }
  // raw-socket is a nan addon: its binary fits one Node ABI. npm builds build/Release for the
  // Node that installed it; scripts/node-lines.mjs builds build/node-v<ABI>/raw.node for each
  // other Node line the project tests on. Where one fits this Node, raw-socket's own
  // require('./build/Release/raw.node') is answered with it through the module cache.
  const release = join(dir, 'build', 'Release', 'raw.node');
  const fitting = join(dir, 'build', `node-v${process.versions.modules}`, 'raw.node');
  try {
    if (existsSync(fitting) && require.cache[release] === undefined) {
      const binding = new Module(release);
      binding.filename = release;
      binding.exports = require(fitting);
      binding.loaded = true;
      require.cache[release] = binding;
    }
    return { module: require('raw-socket') as RawSocketModule };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const built = /NODE_MODULE_VERSION (\d+)/.exec(message)?.[1];
    if (built !== undefined)
      return unavailable(
        `built for another Node.js (ABI ${built}; this is Node ${process.version}, ABI ${process.versions.modules}): run npm rebuild raw-socket`,
        err,
      );
    return unavailable(message.split('\n')[0] ?? message, err);
  }
}

// Large enough for any reply we care about: an ICMP error quotes at most 576 bytes (IPv4) or the
// minimum MTU 1280 (IPv6), and an echo reply is as large as the request (up to 65,507 payload).
const RECEIVE_BUFFER = 65_536;
/** At most this many datagrams per drain, so a flood cannot hold the event loop forever. */
const MAX_DRAIN = 10_000;

/** Opens a raw socket through `raw-socket` (needs CAP_NET_RAW). */
export function openRawSocket(spec: SocketSpec): ProbeSocket {
  const raw = rawSocket();
  const v6 = spec.family === 6;
  const protocol =
    spec.protocol === 'icmp'
      ? v6
        ? raw.Protocol.ICMPv6
        : raw.Protocol.ICMP
      : spec.protocol === 'udp'
        ? raw.Protocol.UDP
        : raw.Protocol.TCP;
  let handle: RawSocketHandle;
  try {
    handle = raw.createSocket({
      protocol,
      addressFamily: v6 ? raw.AddressFamily.IPv6 : raw.AddressFamily.IPv4,
      bufferSize: RECEIVE_BUFFER,
    });
  } catch (err) {
    throw toProbeSocketError(err, 'socket');
  }
  const ttlLevel = v6 ? raw.SocketLevel.IPPROTO_IPV6 : raw.SocketLevel.IPPROTO_IP;
  if (spec.protocol !== 'udp-datagram' && spec.dontFragment) {
    // raw-socket names neither option: Linux's numbers (IP_MTU_DISCOVER 10, IPV6_MTU_DISCOVER 23,
    // IPV6_DONTFRAG 62; PROBE 3). It reads no error queue, so a local EMSGSIZE comes without its MTU.
    try {
      handle.setOption(ttlLevel, v6 ? 23 : 10, 3);
      if (v6) handle.setOption(ttlLevel, 62, 1);
    } catch (err) {
      handle.close();
      throw toProbeSocketError(err, 'setsockopt');
    }
  }
  const ttlOption = v6 ? raw.SocketOption.IPV6_UNICAST_HOPS : raw.SocketOption.IP_TTL;
  // raw-socket names no IPV6_TCLASS: Linux's value (67, <linux/in6.h>).
  const tosOption = v6 ? 67 : raw.SocketOption.IP_TOS;

  const packetListeners = new Set<(p: ReceivedPacket) => void>();
  const errorListeners = new Set<(e: Error) => void>();
  let closed = false;
  // raw-socket sends from a queue, one datagram per writable event, in order; setting the TTL in
  // the before-send callback therefore applies to exactly that datagram. -1 means "not set yet".
  let currentTtl = -1;
  let currentTos = 0;

  const deliver = (buffer: Buffer, source: string) => {
    const receivedAt = process.hrtime.bigint();
    // raw-socket hands out a view of its one receive buffer, which the next read overwrites.
    const packet: ReceivedPacket = {
      data: Buffer.from(buffer),
      from: source,
      receivedAt,
      kernelTimestamp: false,
    };
    for (const l of packetListeners) l(packet);
  };
  handle.on('message', deliver);
  handle.on('error', (error) => {
    // raw-socket closes the socket after an error; report it once, with a code.
    closed = true;
    const e = toProbeSocketError(error, 'recvfrom');
    for (const l of errorListeners) l(e);
  });
  handle.on('close', () => {
    closed = true;
  });

  return {
    family: spec.family,
    protocol: spec.protocol,
    backend: 'raw-socket',
    canUnref: false,
    get closed() {
      return closed;
    },
    send(packet: Uint8Array, to: string, options?: SendOptions): Promise<bigint> {
      if (closed) return Promise.reject(toProbeSocketError(new Error('Bad file descriptor'), 'sendto'));
      return new Promise((resolve, reject) => {
        let sentAt = 0n;
        let setupError: unknown;
        const before = () => {
          const ttl = options?.ttl;
          const tos = options?.tos ?? 0;
          try {
            if (ttl !== undefined && ttl !== currentTtl) {
              handle.setOption(ttlLevel, ttlOption, ttl);
              currentTtl = ttl;
            }
            // raw-socket has no per-datagram control messages: the socket's option, set back to
            // 0 for a datagram without one, so that one target's TOS never leaks to the next.
            if (tos !== currentTos) {
              handle.setOption(ttlLevel, tosOption, tos);
              currentTos = tos;
            }
          } catch (err) {
            setupError = err;
          }
          sentAt = process.hrtime.bigint();
        };
        handle.send(packet, 0, packet.byteLength, to, before, (error) => {
          if (setupError !== undefined) reject(toProbeSocketError(setupError, 'setsockopt'));
          else if (error) reject(toProbeSocketError(error, 'sendto'));
          else resolve(sentAt);
        });
      });
    },
    onPacket(listener) {
      packetListeners.add(listener);
      return () => packetListeners.delete(listener);
    },
    onError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
    drain() {
      // raw-socket reads one datagram per poll event and has no drain of its own; its socket is
      // non-blocking, so its internal recv is called until the kernel says EAGAIN (it throws).
      const internals = handle as unknown as {
        wrap: {
          recv(buffer: Buffer, callback: (buffer: Buffer, bytes: number, source: string) => void): void;
        };
        buffer: Buffer;
      };
      for (let i = 0; i < MAX_DRAIN && !closed; i++) {
        let got = false;
        try {
          internals.wrap.recv(internals.buffer, (buffer, bytes, source) => {
            got = true;
            deliver(buffer.subarray(0, bytes), source);
          });
        } catch {
          return;
        }
        if (!got) return;
      }
    },
    unref() {
      // raw-socket's poll handle cannot be unreferenced; callers close() instead.
    },
    ref() {},
    close() {
      if (closed) return;
      closed = true;
      packetListeners.clear();
      try {
        handle.close();
      } catch {
        // Already closed by an error: nothing left to release.
      }
    },
  };
}
