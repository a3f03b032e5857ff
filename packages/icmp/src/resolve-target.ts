import { createSocket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PingError } from './ping-errors.js';

/** Resolves a name to one address; injected in tests and by embedders with their own resolver. */
export type Lookup = (host: string, family: 4 | 6 | undefined) => Promise<{ address: string; family: 4 | 6 }>;

export const systemLookup: Lookup = async (host, family) => {
  const r = await dnsLookup(host, { family: family ?? 0, verbatim: true });
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
};

export async function resolveHost(
  host: string,
  family: 4 | 6 | undefined,
  lookup: Lookup,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host);
  if (literal) {
    if (family !== undefined && literal !== family) {
      throw new PingError(
        'NO_ADDRESS_FAMILY',
        `${host} is an IPv${literal} address, but -${family} was given`,
      );
    }
    return { address: host, family: literal as 4 | 6 };
  }
  try {
    return await lookup(host, family);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENODATA' && family ? `has no IPv${family} address` : 'is unknown (name resolution failed)';
    throw new PingError('UNKNOWN_HOST', `${host}: host ${why}`, { cause: err });
  }
}

/**
 * Asks the kernel for the route to `address` the way iputils does, by connecting a UDP socket
 * (which sends nothing). Resolves with the source address the kernel would use; rejects with
 * NETWORK_UNREACHABLE when there is no route.
 */
export function routeSource(address: string, family: 4 | 6): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.unref();
    const fail = (err: NodeJS.ErrnoException) => {
      socket.close();
      const code = err.code;
      reject(
        code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL' || code === 'EINVAL'
          ? new PingError('NETWORK_UNREACHABLE', `${address}: network is unreachable`, { cause: err })
          : err,
      );
    };
    socket.once('error', fail);
    // Port 9 (discard) is arbitrary: connect() on UDP only consults the routing table. Node
    // hands a failed connect to this callback, not to the 'error' event.
    socket.connect(9, address, (err?: Error) => {
      if (err) return fail(err as NodeJS.ErrnoException);
      const source = socket.address().address;
      socket.close();
      resolve(source);
    });
  });
}
