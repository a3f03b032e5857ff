import { describe, expect, it } from 'vitest';
import { dgramRouteSource, routeSource } from './route-source.js';

// Loopback only: the kernel answers from its routing table, nothing is sent.
describe('routeSource', () => {
  it('gives the source address the kernel picks, as node:dgram learns it, for both families', async () => {
    for (const [address, family] of [
      ['127.0.0.1', 4],
      ['127.3.2.1', 4],
      ['::1', 6],
    ] as const) {
      const viaDgram = await dgramRouteSource(address, family);
      expect(await routeSource(address, family)).toBe(viaDgram);
    }
    expect(await routeSource('127.3.2.1', 4)).toBe('127.0.0.1');
  });

  it('rejects with the connect error code, the same one on both paths', async () => {
    // The broadcast address without SO_BROADCAST (EACCES); a link-local address without a zone
    // (EINVAL): refused by connect() itself, so no route or interface of this machine matters.
    const code = (p: Promise<string>) =>
      p.then(
        () => 'connected',
        (e: NodeJS.ErrnoException) => e.code,
      );
    expect(await code(routeSource('255.255.255.255', 4))).toBe('EACCES');
    expect(await code(dgramRouteSource('255.255.255.255', 4))).toBe('EACCES');
    expect(await code(routeSource('fe80::1', 6))).toBe('EINVAL');
    expect(await code(dgramRouteSource('fe80::1', 6))).toBe('EINVAL');
  });
});
