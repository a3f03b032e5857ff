import { routeSource as kernelRouteSource } from '@netdiag/probe-socket';
import { addressFamily } from './address.js';
import { PingError } from './ping-errors.js';

/** Resolves a name to one address; injected in tests and by embedders with their own resolver. */
export type Lookup = (host: string, family: 4 | 6 | undefined) => Promise<{ address: string; family: 4 | 6 }>;

export const systemLookup: Lookup = async (host, family) => {
  // Imported here: a run given an address never needs it, and it costs 0.7 ms to load.
  const { lookup } = await import('node:dns/promises');
  const r = await lookup(host, { family: family ?? 0, verbatim: true });
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
};

export async function resolveHost(
  host: string,
  family: 4 | 6 | undefined,
  lookup: Lookup,
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = addressFamily(host);
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
 * Asks the kernel for the route to `address` the way iputils does (see probe-socket's
 * routeSource). Resolves with the source address the kernel would use; rejects with
 * NETWORK_UNREACHABLE when there is no route.
 */
export async function routeSource(address: string, family: 4 | 6): Promise<string> {
  try {
    return await kernelRouteSource(address, family);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL' || code === 'EINVAL')
      throw new PingError('NETWORK_UNREACHABLE', `${address}: network is unreachable`, { cause: err });
    throw err;
  }
}
