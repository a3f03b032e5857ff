import { openRawSocket } from './raw-socket-backend.js';
import type { ProbeSocket, SocketSpec } from './types.js';

/** Which implementation opens sockets. Only one exists today; the native addon will join it. */
export type Backend = 'raw-socket';

export interface OpenOptions {
  readonly backend?: Backend;
}

/**
 * Opens a socket for probing. Throws ProbeSocketError; `isPermissionDenied` tells the caller to
 * print PERMISSION_FIX.
 */
export function openProbeSocket(spec: SocketSpec, _options: OpenOptions = {}): ProbeSocket {
  return openRawSocket(spec);
}
