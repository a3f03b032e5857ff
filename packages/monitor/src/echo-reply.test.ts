import { icmpv4, icmpv6, ipv4 } from '@netdiag/icmp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EchoReplyView, readEchoReply } from './echo-reply.js';
import { makePayload } from './payload.js';

const cookie = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const view = (): EchoReplyView => ({ identifier: 0, sequence: 0, slot: 0, ttl: -1 });

describe('readEchoReply', () => {
  it('reads what the icmp codecs encode, with and without the IPv4 header', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4 as const, 6 as const),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 12, max: 200 }),
        fc.integer({ min: 1, max: 255 }),
        (family, identifier, sequence, slot, size, ttl) => {
          const message = {
            kind: 'echo-reply',
            code: 0,
            identifier,
            sequence,
            payload: makePayload(size, cookie, slot),
          } as const;
          const icmp = family === 4 ? icmpv4.encode(message) : icmpv6.encode(message);
          const v = view();
          expect(readEchoReply(family, icmp, false, cookie, v)).toBe(true);
          expect(v).toEqual({ identifier, sequence, slot, ttl: -1 });
          if (family === 4) {
            const header = ipv4.encode({
              tos: 0,
              totalLength: 20 + icmp.length,
              identification: 1,
              dontFragment: false,
              moreFragments: false,
              fragmentOffset: 0,
              ttl,
              protocol: 1,
              source: '192.0.2.1',
              destination: '192.0.2.2',
              options: new Uint8Array(0),
            });
            const packet = new Uint8Array(header.length + icmp.length);
            packet.set(header);
            packet.set(icmp, header.length);
            expect(readEchoReply(4, packet, true, cookie, v)).toBe(true);
            expect(v).toEqual({ identifier, sequence, slot, ttl });
          }
        },
      ),
    );
  });

  it('refuses requests, other cookies and short packets, and never throws on random bytes', () => {
    const request = icmpv4.encode({
      kind: 'echo-request',
      code: 0,
      identifier: 1,
      sequence: 1,
      payload: makePayload(56, cookie, 1),
    });
    expect(readEchoReply(4, request, false, cookie, view())).toBe(false);
    const other = icmpv4.encode({
      kind: 'echo-reply',
      code: 0,
      identifier: 1,
      sequence: 1,
      payload: makePayload(56, new Uint8Array(8), 1),
    });
    expect(readEchoReply(4, other, false, cookie, view())).toBe(false);
    expect(readEchoReply(6, new Uint8Array(10), false, cookie, view())).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, header) => {
        readEchoReply(4, bytes, header, cookie, view());
        readEchoReply(6, bytes, false, cookie, view());
      }),
    );
  });
});
