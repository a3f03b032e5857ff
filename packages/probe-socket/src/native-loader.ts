// The native addon for the sockets only it can open (packet, netlink). Its JavaScript is part of
// this package's anyway (open.ts opens probe sockets through it); the binary itself loads on the
// first nativeAvailability(), so a command that never opens such a socket never loads it.
import * as native from '@netdiag/native-socket';
import { ProbeSocketError } from './errors.js';

/** The native addon, or a ProbeSocketError that names what is missing and how to get it. */
export async function loadNative(what: string): Promise<typeof import('@netdiag/native-socket')> {
  const availability = native.nativeAvailability();
  if (!availability.available) {
    throw new ProbeSocketError(
      `${what} needs the native socket addon, which is unavailable: ${availability.reason}`,
      'UNKNOWN',
      'socket',
    );
  }
  return native;
}
