// Which source address the kernel would give a datagram to `address`: asked the way iputils asks,
// by connecting a UDP socket (which sends nothing; connect() on UDP only consults the routing
// table) and reading its local address. Through the native addon where it loads: node:dgram
// costs 2 ms to load at start-up (with the node:dns it pulls in; timed with --cpu-prof on a trace),
// longer than the rest of a lab trace. node:dgram serves where the addon does not.
import { nativeAvailability, routeSource as nativeRouteSource } from '@netdiag/native-socket';
import type { IpFamily } from './types.js';

// Port 9 (discard) is arbitrary: nothing is sent.
const ANY_PORT = 9;

/** Rejects with the connect error (its `code`: ENETUNREACH, EHOSTUNREACH, ...) where there is no route. */
export async function routeSource(address: string, family: IpFamily): Promise<string> {
  if (nativeAvailability().available)
    return nativeRouteSource(
      family === 6
        ? { family: 'inet6', address, port: ANY_PORT }
        : { family: 'inet', address, port: ANY_PORT },
    );
  return dgramRouteSource(address, family);
}

/** The same through node:dgram; exported for the test that holds the two side by side. */
export async function dgramRouteSource(address: string, family: IpFamily): Promise<string> {
  const { createSocket } = await import('node:dgram');
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.unref();
    const fail = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    // Node hands a failed connect to this callback, not to the 'error' event.
    socket.connect(ANY_PORT, address, (err?: Error) => {
      if (err) return fail(err);
      const source = socket.address().address;
      socket.close();
      resolve(source);
    });
  });
}
