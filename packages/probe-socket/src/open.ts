import { nativeAvailability } from '@netdiag/native-socket';
import { PERMISSION_FIX, ProbeSocketError, pingGroupFix } from './errors.js';
import { openNativeSocket } from './native-backend.js';
import { findHelper } from './privilege.js';
import { openRawSocket } from './raw-socket-backend.js';
import type { ProbeSocket, SocketSpec } from './types.js';

/**
 * Which implementation opens sockets: the native addon's raw sockets (CAP_NET_RAW), its datagram
 * sockets (ICMP, with no privilege where net.ipv4.ping_group_range admits the user; and
 * `udp-datagram`, which only they serve, with none), or the raw-socket npm module (CAP_NET_RAW).
 */
export type Backend = 'native-raw' | 'native-dgram' | 'raw-socket';

export interface OpenOptions {
  /** Use this backend and no other; by default the first that opens, in the order above. */
  readonly backend?: Backend;
}

/**
 * Opens a socket for probing. Without a backend named: native raw, else (ICMP) native datagram,
 * else raw-socket where the addon did not build; `udp-datagram` always native datagram. Throws
 * ProbeSocketError; `isPermissionDenied` means no backend was allowed, and its one-line message
 * names every fix that applies.
 */
export function openProbeSocket(spec: SocketSpec, options: OpenOptions = {}): ProbeSocket {
  const backend = options.backend ?? backendFromEnvironment();
  if (spec.protocol === 'udp-datagram') {
    if (backend !== undefined && backend !== 'native-dgram')
      throw new ProbeSocketError(
        `udp-datagram sockets are native-dgram only, not ${backend}`,
        'EINVAL',
        'socket',
      );
    const native = nativeAvailability();
    if (!native.available)
      throw new ProbeSocketError(
        `UDP datagram sockets need the native backend, unavailable: ${native.reason}`,
        'UNKNOWN',
        'socket',
      );
    return openNativeSocket(spec, 'dgram');
  }
  if (backend === 'raw-socket') return openRawSocket(spec);
  if (backend === 'native-raw' || backend === 'native-dgram') {
    const native = nativeAvailability();
    if (!native.available)
      throw new ProbeSocketError(`native backend unavailable: ${native.reason}`, 'UNKNOWN', 'socket');
    return openNativeSocket(spec, backend === 'native-raw' ? 'raw' : 'dgram');
  }

  const native = nativeAvailability();
  if (!native.available) {
    try {
      return openRawSocket(spec);
    } catch (err) {
      if (err instanceof ProbeSocketError && err.isPermissionDenied && spec.protocol === 'icmp') {
        throw permissionDenied(
          err,
          `(ICMP datagram sockets need the native backend, unavailable: ${native.reason})`,
        );
      }
      if (err instanceof ProbeSocketError && err.message.startsWith('raw-socket is unavailable'))
        throw new ProbeSocketError(
          `no socket backend: the native addon is unavailable (${native.reason}), and ${err.message}`,
          err.code,
          'socket',
          { cause: err },
        );
      throw err;
    }
  }
  let rawError: ProbeSocketError;
  try {
    return openNativeSocket(spec, 'raw');
  } catch (err) {
    if (!(err instanceof ProbeSocketError && err.isPermissionDenied)) throw err;
    rawError = err;
  }
  // No CAP_NET_RAW here: the privileged helper, where installed and this user is in its group,
  // opens the raw socket (ahead of ICMP datagram sockets: raw ones hear every ICMP error whole,
  // MPLS extensions and all). Refused by it, go on as if it were not there.
  const helper = findHelper();
  if (helper !== undefined) {
    try {
      return openNativeSocket(spec, 'raw', helper);
    } catch (err) {
      if (!(err instanceof ProbeSocketError && err.isPermissionDenied)) throw err;
      const said = err.cause instanceof Error ? err.cause.message : err.message;
      rawError = new ProbeSocketError(`${rawError.message} (${said})`, rawError.code, 'socket', {
        cause: err,
      });
    }
  }
  if (spec.protocol !== 'icmp') throw rawError;
  try {
    return openNativeSocket(spec, 'dgram');
  } catch (err) {
    if (!(err instanceof ProbeSocketError && err.isPermissionDenied)) throw err;
    throw permissionDenied(err, `or ${pingGroupFix()}`);
  }
}

function permissionDenied(cause: ProbeSocketError, second: string): ProbeSocketError {
  return new ProbeSocketError(
    `no permission to open an ICMP socket: ${PERMISSION_FIX}, ${second}`,
    cause.code,
    'socket',
    { cause },
  );
}

const BACKENDS: readonly Backend[] = ['native-raw', 'native-dgram', 'raw-socket'];

/**
 * NETDIAG_BACKEND=raw-socket (or native-raw, native-dgram) pins the backend for a whole run: the
 * lab suites run once per backend with it, and a user can rule one out. Anything else is ignored.
 */
function backendFromEnvironment(): Backend | undefined {
  const wanted = process.env.NETDIAG_BACKEND;
  return BACKENDS.find((b) => b === wanted);
}
