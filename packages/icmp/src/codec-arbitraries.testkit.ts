import fc from 'fast-check';
import { addressBytes, formatIpv6 } from './address.js';
import type { IcmpExtensionObject } from './icmp-extension.js';
import type { IcmpMessage } from './icmp-message.js';

export const ipv4Address = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((b) => b.join('.'));
/** IPv6 addresses in the text (inet_ntop's) the decoder produces. */
export const ipv6Address = fc.ipV6().map((a) => formatIpv6(addressBytes(a)));

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const extensionObject: fc.Arbitrary<IcmpExtensionObject> = fc.record({
  classNum: fc.nat(255),
  cType: fc.nat(255),
  payload: fc.uint8Array({ maxLength: 40 }),
});

/** Messages whose encoding decodes back to themselves, for the given family. */
export function icmpMessage(family: 4 | 6): fc.Arbitrary<IcmpMessage> {
  const unit = family === 4 ? 4 : 8;
  // With extensions, RFC 4884 pads the quote to >= 128 bytes and a whole number of units.
  const paddedOriginal = fc
    .integer({ min: 128 / unit, max: 255 })
    .chain((n) => fc.uint8Array({ minLength: n * unit, maxLength: n * unit }));
  const withExtensions = fc.option(
    fc.record({
      objects: fc.array(extensionObject, { minLength: 0, maxLength: 3 }),
      checksumOk: fc.constant(true),
    }),
    { nil: null },
  );
  const quoted = fc.oneof(
    // Short quotes (at most 128 bytes, so the RFC 4884 compatibility probe never fires).
    fc.record({ original: bytes(128), extensions: fc.constant(null) }),
    fc.record({ original: paddedOriginal, extensions: withExtensions }).filter((q) => q.extensions !== null),
  );
  const echo = fc.record({
    kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const),
    code: fc.nat(255),
    identifier: fc.nat(0xffff),
    sequence: fc.nat(0xffff),
    payload: bytes(200),
  });
  const unreachable = fc
    .record({ code: fc.nat(255), nextHopMtu: family === 4 ? fc.nat(0xffff) : fc.constant(0), q: quoted })
    .map(({ code, nextHopMtu, q }) => ({ kind: 'destination-unreachable' as const, code, nextHopMtu, ...q }));
  const exceeded = fc
    .record({ code: fc.nat(255), q: quoted })
    .map(({ code, q }) => ({ kind: 'time-exceeded' as const, code, ...q }));
  const parameter = fc
    .record({
      code: fc.nat(255),
      pointer: family === 4 ? fc.nat(255) : fc.nat(0xffffffff),
      q: family === 4 ? quoted : fc.record({ original: bytes(128), extensions: fc.constant(null) }),
    })
    .map(({ code, pointer, q }) => ({ kind: 'parameter-problem' as const, code, pointer, ...q }));
  const known = family === 4 ? [0, 3, 8, 11, 12] : [1, 2, 3, 4, 128, 129];
  const other = fc
    .record({
      type: fc.nat(255).filter((t) => !known.includes(t)),
      code: fc.nat(255),
      body: fc.uint8Array({ minLength: 4, maxLength: 60 }),
    })
    .map((m) => ({ kind: 'other' as const, ...m }));
  const tooBig = fc
    .record({ code: fc.nat(255), mtu: fc.nat(0xffffffff), original: bytes(200) })
    .map((m) => ({ kind: 'packet-too-big' as const, ...m }));
  return family === 4
    ? fc.oneof(echo, unreachable, exceeded, parameter, other)
    : fc.oneof(echo, unreachable, exceeded, parameter, other, tooBig);
}

export { mutated } from '../../../test/support/arbitraries.js';
