import {
  addressBytes,
  IPPROTO_ICMPV6,
  icmpv4,
  icmpv6,
  internetChecksum,
  ipv4,
  ipv6,
  mplsObject,
  pseudoHeaderSum,
} from '@netdiag/icmp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildProbe, payloadBytesFor } from './probe-builder.js';
import { matchResponse } from './response-matcher.js';
import type { Flow, ProbeId, ProbeResponse, TraceMethod } from './types.js';

const PROTO = { icmp: 1, udp: 17, tcp: 6 } as const;

function flowOf(method: TraceMethod, family: 4 | 6): Flow {
  return family === 4
    ? {
        method,
        family,
        source: '192.0.2.2',
        destination: '203.0.113.9',
        identifier: 0x4a4a,
        icmpChecksum: 0x1357,
        sourcePort: 62001,
        destinationPort: method === 'tcp' ? 80 : 33434,
      }
    : {
        method,
        family,
        source: '2001:db8::2',
        destination: '2001:db8:9::9',
        identifier: 0x4a4a,
        icmpChecksum: 0x1357,
        sourcePort: 62001,
        destinationPort: method === 'tcp' ? 80 : 33434,
      };
}

/** The datagram a probe is on the wire: IP header (as the kernel would add it) plus the probe. */
function onWire(flow: Flow, probe: Uint8Array, ttl: number): Uint8Array {
  const protocol = flow.method === 'icmp' && flow.family === 6 ? IPPROTO_ICMPV6 : PROTO[flow.method];
  const header =
    flow.family === 4
      ? ipv4.encode({
          tos: 0,
          totalLength: 20 + probe.length,
          identification: 7,
          dontFragment: true,
          moreFragments: false,
          fragmentOffset: 0,
          ttl,
          protocol,
          source: flow.source,
          destination: flow.destination,
          options: new Uint8Array(0),
        })
      : ipv6.encode({
          trafficClass: 0,
          flowLabel: 0,
          payloadLength: probe.length,
          nextHeader: protocol,
          hopLimit: ttl,
          source: flow.source,
          destination: flow.destination,
        });
  return Uint8Array.from([...header, ...probe]);
}

/** A router's ICMP error about the probe, as our raw socket receives it. */
function icmpError(
  flow: Flow,
  probe: Uint8Array,
  from: string,
  kind: 'time-exceeded' | 'destination-unreachable',
  code: number,
  withMpls = false,
) {
  const original = onWire(flow, probe, 1).subarray(0, flow.family === 4 ? 28 : 48 + 8);
  const extensions = withMpls
    ? {
        objects: [mplsObject([{ label: 24001, trafficClass: 0, bottomOfStack: true, ttl: 1 }])],
        checksumOk: true,
      }
    : null;
  const message =
    kind === 'time-exceeded'
      ? ({ kind, code, original: withMpls ? padded(original) : original, extensions } as const)
      : ({ kind, code, nextHopMtu: 0, original, extensions: null } as const);
  if (flow.family === 6) return icmpv6.encode(message);
  const icmp = icmpv4.encode(message);
  const ip = ipv4.encode({
    tos: 0,
    totalLength: 20 + icmp.length,
    identification: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 63,
    protocol: 1,
    source: from,
    destination: flow.source,
    options: new Uint8Array(0),
  });
  return Uint8Array.from([...ip, ...icmp]);
}
const padded = (b: Uint8Array) => Uint8Array.from([...b, ...new Uint8Array(Math.max(0, 128 - b.length))]);

const router = (family: 4 | 6) => (family === 4 ? '198.51.100.1' : '2001:db8:1::1');

describe('probes', () => {
  it('carry their id in the UDP checksum, which verifies over the pseudo-header', () => {
    for (const family of [4, 6] as const) {
      const flow = flowOf('udp', family);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 65_535 }), (id) => {
          const b = buildProbe(flow, id as ProbeId);
          expect((b[6]! << 8) | b[7]!).toBe(id);
          const pseudo = pseudoHeaderSum(
            addressBytes(flow.source),
            addressBytes(flow.destination),
            17,
            b.length,
          );
          expect(internetChecksum(b, pseudo)).toBe(0);
        }),
      );
    }
  });

  it('keep one ICMP checksum for every sequence number (Paris), and it verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), (id) => {
        const b4 = buildProbe(flowOf('icmp', 4), id as ProbeId);
        expect((b4[2]! << 8) | b4[3]!).toBe(0x1357);
        expect(internetChecksum(b4)).toBe(0);
        const f6 = flowOf('icmp', 6);
        const b6 = buildProbe(f6, id as ProbeId);
        expect((b6[2]! << 8) | b6[3]!).toBe(0x1357);
        expect(
          internetChecksum(
            b6,
            pseudoHeaderSum(addressBytes(f6.source), addressBytes(f6.destination), 58, b6.length),
          ),
        ).toBe(0);
      }),
    );
  });

  it('keep ports and ICMP identifier constant: the fields ECMP hashes never change within a trace', () => {
    for (const method of ['icmp', 'udp', 'tcp'] as const) {
      const flow = flowOf(method, 4);
      const heads = new Set(
        [1, 2, 500, 65_535].map((id) =>
          Buffer.from(buildProbe(flow, id as ProbeId).subarray(0, 4)).toString('hex'),
        ),
      );
      expect(heads.size).toBe(1);
    }
  });
});

describe('matching a response to its probe', () => {
  for (const method of ['icmp', 'udp', 'tcp'] as const) {
    for (const family of [4, 6] as const) {
      it(`finds the ${method}/IPv${family} probe a time exceeded quotes, for any id`, () => {
        const flow = flowOf(method, family);
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 65_535 }), fc.boolean(), (id, withMpls) => {
            const probe = buildProbe(flow, id as ProbeId);
            const data = icmpError(flow, probe, router(family), 'time-exceeded', 0, withMpls);
            const r = matchResponse(flow, { socket: 'icmp', data, from: router(family), receivedAt: 5n });
            expect(r).toMatchObject({
              probeId: id,
              kind: 'time-exceeded',
              responder: router(family),
              mark: '',
            });
            expect((r as ProbeResponse).mpls.map((l) => l.label)).toEqual(withMpls ? [24001] : []);
          }),
          { numRuns: 100 },
        );
      });
    }
  }

  it('ignores a quote of someone else’s flow: other identifier, ports or destination', () => {
    for (const method of ['icmp', 'udp', 'tcp'] as const) {
      const flow = flowOf(method, 4);
      const probe = buildProbe(flow, 9 as ProbeId);
      const data = icmpError(flow, probe, '198.51.100.1', 'time-exceeded', 0);
      expect(
        matchResponse(
          { ...flow, identifier: 1, sourcePort: 1 },
          { socket: 'icmp', data, from: '198.51.100.1', receivedAt: 0n },
        ),
      ).toBeUndefined();
      expect(
        matchResponse(
          { ...flow, destination: '203.0.113.10' },
          { socket: 'icmp', data, from: '198.51.100.1', receivedAt: 0n },
        ),
      ).toBeUndefined();
    }
  });

  it('takes a UDP port unreachable from the destination as arrival, and from a router as !<code>', () => {
    const flow = flowOf('udp', 4);
    const probe = buildProbe(flow, 77 as ProbeId);
    const fromTarget = icmpError(flow, probe, flow.destination, 'destination-unreachable', 3);
    expect(
      matchResponse(flow, { socket: 'icmp', data: fromTarget, from: flow.destination, receivedAt: 0n }),
    ).toMatchObject({ kind: 'reached', probeId: 77 });
    const prohibited = icmpError(flow, probe, '198.51.100.1', 'destination-unreachable', 13);
    expect(
      matchResponse(flow, { socket: 'icmp', data: prohibited, from: '198.51.100.1', receivedAt: 0n }),
    ).toMatchObject({ kind: 'unreachable', mark: '!X' });
    const f6 = flowOf('udp', 6);
    const p6 = buildProbe(f6, 5 as ProbeId);
    const admin6 = icmpError(f6, p6, '2001:db8:1::1', 'destination-unreachable', 1);
    expect(
      matchResponse(f6, { socket: 'icmp', data: admin6, from: '2001:db8:1::1', receivedAt: 0n }),
    ).toMatchObject({ kind: 'unreachable', mark: '!X' });
  });

  it('takes an echo reply from the destination as arrival, by its sequence', () => {
    for (const family of [4, 6] as const) {
      const flow = flowOf('icmp', family);
      const reply = {
        kind: 'echo-reply',
        code: 0,
        identifier: flow.identifier,
        sequence: 321,
        // What the destination echoes: the probe's own payload.
        payload: buildProbe(flow, 321 as ProbeId).slice(8),
      } as const;
      const data =
        family === 6
          ? icmpv6.encode(reply)
          : onWire({ ...flow, source: flow.destination, destination: flow.source }, icmpv4.encode(reply), 64);
      expect(
        matchResponse(flow, { socket: 'icmp', data, from: flow.destination, receivedAt: 0n }),
      ).toMatchObject({ kind: 'reached', probeId: 321 });
      expect(
        matchResponse(flow, { socket: 'icmp', data, from: router(family), receivedAt: 0n }),
      ).toBeUndefined();
    }
  });

  /** A TCP segment from the flow's destination to its source, its checksum right (pseudo-header included). */
  const tcpReply = (flow: Flow, flags: number, ack: number) => {
    const b = new Uint8Array(20);
    const v = new DataView(b.buffer);
    v.setUint16(0, flow.destinationPort);
    v.setUint16(2, flow.sourcePort);
    v.setUint32(8, ack);
    b[12] = 0x50;
    b[13] = flags;
    const pseudo = pseudoHeaderSum(addressBytes(flow.destination), addressBytes(flow.source), PROTO.tcp, 20);
    v.setUint16(16, internetChecksum(b, pseudo));
    return b;
  };
  /** What a raw socket reads: IPv4 with its header, IPv6 the segment alone. */
  const tcpArrival = (flow: Flow, segment: Uint8Array) => ({
    socket: 'tcp' as const,
    data:
      flow.family === 4
        ? onWire({ ...flow, source: flow.destination, destination: flow.source }, segment, 60)
        : segment,
    from: flow.destination,
    receivedAt: 0n,
  });

  for (const family of [4, 6] as const)
    it(`takes a SYN-ACK or RST acknowledging our sequence + 1 as arrival (TCP, IPv${family})`, () => {
      const flow = flowOf('tcp', family);
      expect(matchResponse(flow, tcpArrival(flow, tcpReply(flow, 0x12, 43)))).toMatchObject({
        kind: 'reached',
        probeId: 42,
      });
      expect(matchResponse(flow, tcpArrival(flow, tcpReply(flow, 0x14, 43)))).toMatchObject({
        kind: 'reached',
        probeId: 42,
      });
      expect(matchResponse(flow, tcpArrival(flow, tcpReply(flow, 0x10, 43)))).toBeUndefined();
    });

  for (const family of [4, 6] as const)
    it(`counts a SYN-ACK or RST whose TCP checksum fails as corrupt, never as arrival (IPv${family})`, () => {
      const flow = flowOf('tcp', family);
      fc.assert(
        fc.property(fc.constantFrom(0x12, 0x14), fc.integer({ min: 0, max: 19 * 8 - 1 }), (flags, bit) => {
          const segment = tcpReply(flow, flags, 43);
          // Any one bit flipped but a flag or port bit that makes it another flow's or no answer.
          const at = bit >> 3;
          if (at < 4 || at === 13) return;
          segment[at]! ^= 1 << (bit & 7);
          expect(matchResponse(flow, tcpArrival(flow, segment))).toEqual({ corrupt: 'checksum' });
        }),
      );
      // Right for another destination: the pseudo-header is part of the sum.
      const offloaded = tcpReply(flow, 0x14, 43);
      const pseudo = pseudoHeaderSum(
        addressBytes(flow.destination),
        addressBytes(flow.source),
        PROTO.tcp,
        20,
      );
      new DataView(offloaded.buffer).setUint16(16, pseudo);
      // ...but a sender on this host over veth or loopback leaves the sum to offload: the
      // pseudo-header sum alone, as the kernel's TCP accepts it.
      expect(matchResponse(flow, tcpArrival(flow, offloaded))).toMatchObject({
        kind: 'reached',
        probeId: 42,
      });
      new DataView(offloaded.buffer).setUint16(16, pseudo ^ 1);
      expect(matchResponse(flow, tcpArrival(flow, offloaded))).toEqual({ corrupt: 'checksum' });
      const other = { ...flow, source: family === 4 ? '192.0.2.77' : '2001:db8::77' };
      expect(matchResponse(flow, tcpArrival(flow, tcpReply(other, 0x12, 43)))).toEqual({
        corrupt: 'checksum',
      });
    });

  it('never throws on random or truncated bytes', () => {
    for (const family of [4, 6] as const) {
      for (const method of ['icmp', 'udp', 'tcp'] as const) {
        const flow = flowOf(method, family);
        const valid = icmpError(flow, buildProbe(flow, 3 as ProbeId), router(family), 'time-exceeded', 0);
        fc.assert(
          fc.property(
            fc.oneof(
              fc.uint8Array({ maxLength: 200 }),
              fc.nat(valid.length).map((n) => valid.slice(0, n)),
            ),
            fc.constantFrom('icmp' as const, 'tcp' as const),
            (data, socket) => {
              matchResponse(flow, { socket, data, from: router(family), receivedAt: 0n });
            },
          ),
          { numRuns: 300 },
        );
      }
    }
  });
});

describe('responses that do not check out', () => {
  const arrive = (data: Uint8Array, from: string) =>
    ({ socket: 'icmp', data, from, receivedAt: 5n }) as const;
  const flip = (b: Uint8Array, at: number) => {
    const out = Uint8Array.from(b);
    out[at]! ^= 0x01;
    return out;
  };

  it('an ICMPv4 error with a wrong checksum is corrupt, never attributed to a hop', () => {
    const flow = flowOf('icmp', 4);
    const good = icmpError(flow, buildProbe(flow, 7 as ProbeId), router(4), 'time-exceeded', 0);
    expect(matchResponse(flow, arrive(good, router(4)))).toMatchObject({ probeId: 7, kind: 'time-exceeded' });
    // Byte 23: the low byte of the ICMP checksum, after the 20-byte IPv4 header.
    expect(matchResponse(flow, arrive(flip(good, 23), router(4)))).toEqual({ corrupt: 'checksum' });
  });

  it('an echo reply with a wrong checksum is corrupt', () => {
    const flow = flowOf('icmp', 4);
    const reply = icmpv4.encode({
      kind: 'echo-reply',
      code: 0,
      identifier: flow.identifier,
      sequence: 9,
      payload: buildProbe(flow, 9 as ProbeId).slice(8),
    });
    const ip = (icmp: Uint8Array) =>
      Uint8Array.from([
        ...ipv4.encode({
          tos: 0,
          totalLength: 20 + icmp.length,
          identification: 1,
          dontFragment: false,
          moreFragments: false,
          fragmentOffset: 0,
          ttl: 60,
          protocol: 1,
          source: flow.destination,
          destination: flow.source,
          options: new Uint8Array(0),
        }),
        ...icmp,
      ]);
    expect(matchResponse(flow, arrive(ip(reply), flow.destination))).toMatchObject({
      probeId: 9,
      kind: 'reached',
    });
    expect(matchResponse(flow, arrive(ip(flip(reply, 3)), flow.destination))).toEqual({
      corrupt: 'checksum',
    });
  });

  for (const family of [4, 6] as const)
    for (const method of ['icmp', 'udp', 'tcp'] as const)
      it(`IPv${family} ${method}: a quote of a datagram we did not send (source, or ICMP checksum) is corrupt`, () => {
        const flow = flowOf(method, family);
        const probe = buildProbe(flow, 7 as ProbeId);
        const stranger = { ...flow, source: family === 4 ? '192.0.2.77' : '2001:db8::77' };
        const forged = icmpError(stranger, probe, router(family), 'time-exceeded', 0);
        expect(matchResponse(flow, arrive(forged, router(family)))).toEqual({ corrupt: 'quote' });
        if (method === 'icmp') {
          // Every ICMP probe of the flow carries the same checksum: a quote with another is not ours.
          const changed = Uint8Array.from(probe);
          changed[3]! ^= 0x10;
          const q = icmpError(flow, changed, router(family), 'time-exceeded', 0);
          expect(matchResponse(flow, arrive(q, router(family)))).toEqual({ corrupt: 'quote' });
        }
      });
});

describe('path MTU discovery probes and their errors', () => {
  const sizes = fc.integer({ min: 60, max: 9000 });

  it('padded to any size keep their ids and checksums (ICMP and UDP, IPv4 and IPv6)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), sizes, fc.constantFrom(4, 6), (id, size, family) => {
        const icmp = flowOf('icmp', family as 4 | 6);
        const b = buildProbe(icmp, id as ProbeId, payloadBytesFor(icmp, size));
        expect(b.length + (family === 4 ? 20 : 40)).toBe(Math.max(size, (family === 4 ? 20 : 40) + 8 + 32));
        expect((b[2]! << 8) | b[3]!).toBe(0x1357);
        const pseudo =
          family === 6
            ? pseudoHeaderSum(
                addressBytes(icmp.source),
                addressBytes(icmp.destination),
                IPPROTO_ICMPV6,
                b.length,
              )
            : 0;
        expect(internetChecksum(b, pseudo)).toBe(0);
        const udp = flowOf('udp', family as 4 | 6);
        const u = buildProbe(udp, id as ProbeId, payloadBytesFor(udp, size));
        expect((u[6]! << 8) | u[7]!).toBe(id);
        expect(
          internetChecksum(
            u,
            pseudoHeaderSum(addressBytes(udp.source), addressBytes(udp.destination), 17, u.length),
          ),
        ).toBe(0);
      }),
    );
  });

  it('take an echo reply to a padded probe as arrival, and one whose padding changed as corrupt', () => {
    for (const family of [4, 6] as const) {
      const flow = flowOf('icmp', family);
      const payload = buildProbe(flow, 77 as ProbeId, payloadBytesFor(flow, 1400)).slice(8);
      const reply = (p: Uint8Array) => {
        const message = {
          kind: 'echo-reply',
          code: 0,
          identifier: flow.identifier,
          sequence: 77,
          payload: p,
        } as const;
        return family === 6
          ? icmpv6.encode(message)
          : onWire(
              { ...flow, source: flow.destination, destination: flow.source },
              icmpv4.encode(message),
              64,
            );
      };
      const arrived = (data: Uint8Array) =>
        matchResponse(flow, { socket: 'icmp', data, from: flow.destination, receivedAt: 0n });
      expect(arrived(reply(payload))).toMatchObject({ kind: 'reached', probeId: 77 });
      const changed = payload.slice();
      changed[1000] = 1;
      expect(arrived(reply(changed))).toEqual({ corrupt: 'payload' });
    }
  });

  it('read the next-hop MTU of fragmentation needed (with and without it) and of packet too big', () => {
    for (const family of [4, 6] as const) {
      const flow = flowOf('icmp', family);
      const probe = buildProbe(flow, 9 as ProbeId, payloadBytesFor(flow, 1500));
      const original = onWire(flow, probe, 2).subarray(0, family === 4 ? 28 : 48 + 8);
      const error = (mtu: number) => {
        if (family === 6) return icmpv6.encode({ kind: 'packet-too-big', code: 0, mtu, original });
        const icmp = icmpv4.encode({
          kind: 'destination-unreachable',
          code: 4,
          nextHopMtu: mtu,
          original,
          extensions: null,
        });
        return onWire({ ...flow, source: router(4), destination: flow.source }, icmp, 63);
      };
      for (const mtu of [1400, 1280, 0]) {
        const r = matchResponse(flow, {
          socket: 'icmp',
          data: error(mtu),
          from: router(family),
          receivedAt: 0n,
        });
        expect(r).toMatchObject({ probeId: 9, kind: 'unreachable', mark: '!F', nextHopMtu: mtu });
      }
    }
    // Other unreachables carry no MTU.
    const flow = flowOf('udp', 4);
    const original = onWire(flow, buildProbe(flow, 5 as ProbeId), 2).subarray(0, 28);
    const icmp = icmpv4.encode({
      kind: 'destination-unreachable',
      code: 1,
      nextHopMtu: 0,
      original,
      extensions: null,
    });
    const data = onWire({ ...flow, source: router(4), destination: flow.source }, icmp, 63);
    const r = matchResponse(flow, { socket: 'icmp', data, from: router(4), receivedAt: 0n });
    expect(r).toMatchObject({ kind: 'unreachable', mark: '!H' });
    expect(r && 'nextHopMtu' in r).toBe(false);
  });
});
