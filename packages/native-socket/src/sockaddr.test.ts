import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constants } from './constants.js';
import { AddressFamily, decodeSockaddr, encodeSockaddr, type SocketAddress } from './sockaddr.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
// Addresses decode to inet_ntop's text; generate from bytes and print the same way so text round-trips.
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => decodeSockaddr(encodeSockaddr6(b))!);
function encodeSockaddr6(bytes: Uint8Array): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AddressFamily.inet6, 0);
  Buffer.from(bytes).copy(b, 8);
  return b;
}

const address: fc.Arbitrary<SocketAddress> = fc.oneof(
  fc.record({ family: fc.constant('inet' as const), address: v4, port: fc.nat(65535) }),
  fc.record({
    family: fc.constant('inet6' as const),
    address: v6.map((a) => (a as { address: string }).address),
    port: fc.nat(65535),
    flowInfo: fc.nat(),
    scopeId: fc.nat(),
  }),
  fc.record({
    family: fc.constant('packet' as const),
    protocol: fc.nat(65535),
    ifindex: fc.nat(2 ** 31 - 1),
    hardwareType: fc.nat(65535),
    packetType: fc.nat(255),
    hardwareAddress: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({
    family: fc.constant('netlink' as const),
    portId: fc.nat(2 ** 32 - 1),
    groups: fc.nat(2 ** 32 - 1),
  }),
);

describe('sockaddr codec', () => {
  it('decode(encode(a)) equals a', () => {
    fc.assert(
      fc.property(address, (a) => {
        expect(decodeSockaddr(encodeSockaddr(a))).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes decode to an address or undefined, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), (bytes) => {
        const a = decodeSockaddr(bytes);
        if (a) expect(['inet', 'inet6', 'packet', 'netlink']).toContain(a.family);
      }),
      { numRuns: 2000 },
    );
  });

  it('lays out sockaddr_in as the kernel does', () => {
    expect(encodeSockaddr({ family: 'inet', address: '192.0.2.1', port: 33434 }).toString('hex')).toBe(
      `0200829ac0000201${'00'.repeat(8)}`,
    );
  });

  it('rejects what cannot be encoded', () => {
    expect(() => encodeSockaddr({ family: 'inet', address: '2001:db8::1', port: 0 })).toThrow(TypeError);
    expect(() => encodeSockaddr({ family: 'inet6', address: '192.0.2.1', port: 0 })).toThrow(TypeError);
    expect(() => encodeSockaddr({ family: 'inet', address: '192.0.2.1', port: 65536 })).toThrow(TypeError);
  });

  it("uses the family numbers of the addon's C headers", () => {
    const c = constants();
    expect(AddressFamily).toEqual({
      inet: c.AF_INET,
      inet6: c.AF_INET6,
      netlink: c.AF_NETLINK,
      packet: c.AF_PACKET,
    });
  });
});
