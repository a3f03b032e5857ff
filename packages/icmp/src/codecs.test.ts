import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { icmpMessage, ipv4Address, ipv6Address, mutated } from './codec-arbitraries.testkit.js';
import { DecodeError } from './decode-error.js';
import { mplsLabels, mplsObject } from './icmp-extension.js';
import { icmpv4 } from './icmpv4.js';
import { icmpv6 } from './icmpv6.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { decodeQuotedProbe } from './quoted-probe.js';

/** decode(encode(v)) = v and the encoding is as long as encodingLength says (dns-packet's law). */
function law<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => { value: T; bytesRead: number },
  length: (v: T) => number,
) {
  it(`${name}: decode(encode(v)) equals v`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        const bytes = encode(v);
        expect(bytes.length).toBe(length(v));
        const { value, bytesRead } = decode(bytes);
        expect(bytesRead).toBe(bytes.length);
        expect(value).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
}

/** Random and mutated bytes: the decoder returns or throws DecodeError, nothing else. */
function hostile(name: string, valid: fc.Arbitrary<Uint8Array>, decode: (b: Uint8Array) => unknown) {
  it(`${name}: random and mutated bytes raise nothing but DecodeError`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(valid)), (bytes) => {
        try {
          decode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
}

const ipv4Header = fc.record({
  tos: fc.nat(255),
  totalLength: fc.nat(0xffff),
  identification: fc.nat(0xffff),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.nat(0x1fff).map((n) => n * 8),
  ttl: fc.nat(255),
  protocol: fc.nat(255),
  source: ipv4Address,
  destination: ipv4Address,
  options: fc
    .nat(10)
    .chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }))
    .map((b): Uint8Array => b),
});

const ipv6Header = fc.record({
  trafficClass: fc.nat(255),
  flowLabel: fc.nat(0xfffff),
  payloadLength: fc.nat(0xffff),
  nextHeader: fc.nat(255),
  hopLimit: fc.nat(255),
  source: ipv6Address,
  destination: ipv6Address,
});

describe('IPv4 header', () => {
  law(
    'ipv4',
    ipv4Header,
    (h) => ipv4.encode(h),
    (b) => {
      const { value, bytesRead } = ipv4.decode(b);
      const { version, headerLength, checksum, ...rest } = value;
      return { value: rest, bytesRead };
    },
    (h) => ipv4.encodingLength(h),
  );
  hostile(
    'ipv4',
    ipv4Header.map((h) => ipv4.encode(h)),
    (b) => ipv4.decode(b),
  );

  it('names what was short', () => {
    expect(() => ipv4.decode(new Uint8Array(10))).toThrow(/IPv4 header: needs 20 bytes, got 10/);
    expect(() => ipv4.decode(Uint8Array.from([0x46, ...new Array(19).fill(0)]))).toThrow(
      /needs 24 bytes, got 20/,
    );
  });
});

describe('IPv6 header', () => {
  law(
    'ipv6',
    ipv6Header,
    (h) => ipv6.encode(h),
    (b) => {
      const { value, bytesRead } = ipv6.decode(b);
      const { version, ...rest } = value;
      // The decoder's text is canonical; compare against the canonical form of the generated text.
      return { value: rest, bytesRead };
    },
    () => ipv6.encodingLength(),
  );
  hostile(
    'ipv6',
    ipv6Header.map((h) => ipv6.encode(h)),
    (b) => ipv6.decode(b),
  );
});

for (const [family, codec] of [
  [
    4,
    {
      decode: (b: Uint8Array) => icmpv4.decode(b),
      encode: icmpv4.encode,
      encodingLength: icmpv4.encodingLength,
    },
  ],
  [
    6,
    {
      decode: (b: Uint8Array) => icmpv6.decode(b),
      encode: (m: Parameters<typeof icmpv6.encode>[0]) => icmpv6.encode(m),
      encodingLength: icmpv6.encodingLength,
    },
  ],
] as const) {
  describe(`ICMPv${family}`, () => {
    law(
      `icmpv${family}`,
      icmpMessage(family),
      (m) => codec.encode(m as never),
      codec.decode,
      (m) => codec.encodingLength(m as never),
    );
    hostile(
      `icmpv${family}`,
      icmpMessage(family).map((m) => codec.encode(m as never)),
      codec.decode,
    );
  });
}

describe('ICMPv4 specifics', () => {
  it('writes a checksum that verifies', () => {
    fc.assert(fc.property(icmpMessage(4), (m) => icmpv4.checksumOk(icmpv4.encode(m))));
  });

  it('computes the ICMPv6 checksum over the pseudo-header when given the addresses', () => {
    const m = {
      kind: 'echo-request',
      code: 0,
      identifier: 0x1234,
      sequence: 1,
      payload: new Uint8Array(8),
    } as const;
    const bytes = icmpv6.encode(m, { source: '2001:db8::1', destination: '2001:db8::2' });
    // Verified by summing pseudo-header + message: the one's complement of the total is zero.
    expect(bytes[2]! | bytes[3]!).not.toBe(0);
    expect(icmpv6.encode(m)[2]).toBe(0);
  });

  it('decodes a time exceeded captured from a Linux router, quoting our echo request', () => {
    // 198.51.100.1 reports TTL expiry of an echo request 192.0.2.2 -> 203.0.113.9 (id 0x1c46, seq 1).
    const quote = ipv4.encode({
      tos: 0,
      totalLength: 84,
      identification: 0x1111,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 1,
      protocol: 1,
      source: '192.0.2.2',
      destination: '203.0.113.9',
      options: new Uint8Array(0),
    });
    const echo = icmpv4.encode({
      kind: 'echo-request',
      code: 0,
      identifier: 0x1c46,
      sequence: 1,
      payload: new Uint8Array(56),
    });
    const original = Uint8Array.from([...quote, ...echo]);
    const te = icmpv4.encode({ kind: 'time-exceeded', code: 0, original, extensions: null });
    const { value } = icmpv4.decode(te);
    expect(value.kind).toBe('time-exceeded');
    if (value.kind !== 'time-exceeded') return;
    const probe = decodeQuotedProbe(4, value.original);
    expect(probe).toMatchObject({
      source: '192.0.2.2',
      destination: '203.0.113.9',
      ttl: 1,
      transport: { protocol: 'icmp', identifier: 0x1c46, sequence: 1 },
    });
  });

  it('reads MPLS labels from an RFC 4884 extension, and from the pre-RFC 128-byte layout', () => {
    const labels = [
      { label: 16004, trafficClass: 0, bottomOfStack: false, ttl: 1 },
      { label: 24001, trafficClass: 5, bottomOfStack: true, ttl: 1 },
    ];
    const original = new Uint8Array(128).fill(0x45, 0, 1);
    const te = icmpv4.encode({
      kind: 'time-exceeded',
      code: 0,
      original,
      extensions: { objects: [mplsObject(labels)], checksumOk: true },
    });
    expect(te[5]).toBe(32); // 128 bytes in 32-bit words
    const decoded = icmpv4.decode(te).value;
    expect(decoded.kind === 'time-exceeded' && mplsLabels(decoded.extensions)).toEqual(labels);
    // Old routers: length field zero, extensions after exactly 128 bytes; taken only with a valid checksum.
    const legacy = te.slice();
    legacy[5] = 0;
    const legacyDecoded = icmpv4.decode(legacy).value;
    expect(legacyDecoded.kind === 'time-exceeded' && mplsLabels(legacyDecoded.extensions)).toEqual(labels);
    legacy[8 + 128 + 2] = legacy[8 + 128 + 2]! ^ 0xff; // break the extension checksum
    const broken = icmpv4.decode(legacy).value;
    expect(broken.kind === 'time-exceeded' && broken.extensions).toBe(null);
  });

  it('keeps the whole quote when the length field overruns the message', () => {
    const te = icmpv4.encode({
      kind: 'time-exceeded',
      code: 0,
      original: new Uint8Array(28),
      extensions: null,
    });
    te[5] = 200;
    const m = icmpv4.decode(te).value;
    expect(m.kind === 'time-exceeded' && m.original.length).toBe(28);
  });
});

describe('quoted probe', () => {
  it('reads UDP and TCP ports from an IPv6 quote', () => {
    const header = ipv6.encode({
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 20,
      nextHeader: 17,
      hopLimit: 1,
      source: '2001:db8::2',
      destination: '2001:db8:9::1',
    });
    const udp = Uint8Array.from([0x82, 0x9a, 0x82, 0x9b, 0, 20, 0xbe, 0xef]);
    expect(decodeQuotedProbe(6, Uint8Array.from([...header, ...udp])).transport).toEqual({
      protocol: 'udp',
      sourcePort: 33434,
      destinationPort: 33435,
      checksum: 0xbeef,
    });
    const tcpHeader = ipv6.encode({
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 20,
      nextHeader: 6,
      hopLimit: 1,
      source: '2001:db8::2',
      destination: '2001:db8:9::1',
    });
    const tcp = Uint8Array.from([0xc0, 0x00, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04]);
    expect(decodeQuotedProbe(6, Uint8Array.from([...tcpHeader, ...tcp])).transport).toEqual({
      protocol: 'tcp',
      sourcePort: 0xc000,
      destinationPort: 80,
      sequence: 0x01020304,
    });
  });

  it('rejects a quote with fewer than 8 transport bytes with DecodeError', () => {
    const header = ipv6.encode({
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 8,
      nextHeader: 58,
      hopLimit: 1,
      source: '2001:db8::2',
      destination: '2001:db8::3',
    });
    expect(() => decodeQuotedProbe(6, Uint8Array.from([...header, 128, 0, 0]))).toThrow(DecodeError);
  });
});
