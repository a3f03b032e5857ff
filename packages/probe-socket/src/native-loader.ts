// The native addon for the sockets only it can open (packet, netlink), imported on first use so
// that commands which never open one do not pay for loading it.
import { ProbeSocketError } from './errors.js';

/** The native addon, or a ProbeSocketError that names what is missing and how to get it. */
export async function loadNative(what: string): Promise<typeof import('@netdiag/native-socket')> {
  const native = await import('@netdiag/native-socket');
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
