import { icmpv4, icmpv6, ipv4, ipv6 } from '@netdiag/icmp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatagramPayload, PROBE_PAYLOAD } from './probe-builder.js';
import { type ArrivedPacket, matchResponse } from './response-matcher.js';
import type { Flow, ProbeId } from './types.js';

// Without privilege a UDP probe leaves from a datagram socket of its own, and the ICMP errors
// about it come back on that socket's error queue: type, code, offender, the destination and
// its port, and what was quoted after the UDP header. probe-socket hands them on as the ICMP
// error they were, quoting an IP header and a UDP header rebuilt from those parts (checksum 0).
// These tests build such arrivals byte by byte; the lab test compares the whole with traceroute.

function flowOf(family: 4 | 6): Flow {
  return {
    method: 'udp',
    family,
    source: family === 4 ? '192.0.2.2' : '2001:db8::2',
    destination: family === 4 ? '203.0.113.9' : '2001:db8:9::9',
    identifier: 0,
    icmpChecksum: 0,
    sourcePort: 0,
    destinationPort: 33_434,
  };
}
const router = (family: 4 | 6) => (family === 4 ? '198.51.100.1' : '2001:db8:1::1');

/** The ICMP error a datagram socket's error queue yields, as probe-socket re-encodes it. */
function reencoded(
  flow: Flow,
  o: {
    sourcePort: number;
    destinationPort?: number;
    payload: Uint8Array;
    kind: 'time-exceeded' | 'destination-unreachable';
    code: number;
  },
): Uint8Array {
  const udp = new Uint8Array(8 + o.payload.length);
  const v = new DataView(udp.buffer);
  v.setUint16(0, o.sourcePort);
  v.setUint16(2, o.destinationPort ?? flow.destinationPort);
  v.setUint16(4, udp.length);
  udp.set(o.payload, 8);
  const ip =
    flow.family === 4
      ? ipv4.encode({
          tos: 0,
          totalLength: 20 + udp.length,
          identification: 0,
          dontFragment: false,
          moreFragments: false,
          fragmentOffset: 0,
          ttl: 0,
          protocol: 17,
          source: '0.0.0.0',
          destination: flow.destination,
          options: new Uint8Array(0),
        })
      : ipv6.encode({
          trafficClass: 0,
          flowLabel: 0,
          payloadLength: udp.length,
          nextHeader: 17,
          hopLimit: 0,
          source: '::',
          destination: flow.destination,
        });
  const original = Uint8Array.from([...ip, ...udp]);
  const message =
    o.kind === 'time-exceeded'
      ? ({ kind: o.kind, code: o.code, original, extensions: null } as const)
      : ({ kind: o.kind, code: o.code, nextHopMtu: 0, original, extensions: null } as const);
  return flow.family === 4 ? icmpv4.encode(message) : icmpv6.encode(message);
}

function arrival(
  family: 4 | 6,
  data: Uint8Array,
  probeId: number,
  sourcePort: number,
  from = router(family),
) {
  return {
    socket: 'probe',
    probeId: probeId as ProbeId,
    sourcePort,
    data,
    from,
    receivedAt: 7n,
    ...(family === 4 ? { includesIpHeader: false } : {}),
  } satisfies ArrivedPacket;
}

describe('datagram probes', () => {
  it('carry the probe id in the first payload word, and are as long as raw probes’ payloads', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), (id) => {
        const p = buildDatagramPayload(id as ProbeId);
        expect(p.length).toBe(PROBE_PAYLOAD);
        expect((p[0]! << 8) | p[1]!).toBe(id);
      }),
    );
  });
});

describe('matching an error that arrived on a probe’s own datagram socket', () => {
  for (const family of [4, 6] as const) {
    const flow = flowOf(family);

    it(`IPv${family}: the socket names the probe when the router quoted the payload, and when it quoted only 8 bytes`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 65_535 }),
          fc.integer({ min: 0, max: PROBE_PAYLOAD }),
          (id, quoted) => {
            const payload = buildDatagramPayload(id as ProbeId).subarray(0, quoted);
            const data = reencoded(flow, { sourcePort: 40_000, payload, kind: 'time-exceeded', code: 0 });
            expect(matchResponse(flow, arrival(family, data, id, 40_000))).toMatchObject({
              probeId: id,
              kind: 'time-exceeded',
              responder: router(family),
              receivedAt: 7n,
            });
          },
        ),
        { numRuns: 200 },
      );
    });

    it(`IPv${family}: refuses a quote whose payload names another probe (a late error for a reused port)`, () => {
      const payload = buildDatagramPayload(12 as ProbeId);
      const data = reencoded(flow, { sourcePort: 40_000, payload, kind: 'time-exceeded', code: 0 });
      expect(matchResponse(flow, arrival(family, data, 13, 40_000))).toBeUndefined();
      expect(matchResponse(flow, arrival(family, data, 12, 40_000))).toMatchObject({ probeId: 12 });
    });

    it(`IPv${family}: refuses quotes of another destination port, source port or destination`, () => {
      const payload = buildDatagramPayload(5 as ProbeId);
      const otherPort = reencoded(flow, {
        sourcePort: 40_000,
        destinationPort: 53,
        payload,
        kind: 'time-exceeded',
        code: 0,
      });
      expect(matchResponse(flow, arrival(family, otherPort, 5, 40_000))).toBeUndefined();
      const data = reencoded(flow, { sourcePort: 40_000, payload, kind: 'time-exceeded', code: 0 });
      expect(matchResponse(flow, arrival(family, data, 5, 40_001))).toBeUndefined();
      const elsewhere = { ...flow, destination: family === 4 ? '203.0.113.10' : '2001:db8:9::10' };
      expect(matchResponse(elsewhere, arrival(family, data, 5, 40_000))).toBeUndefined();
    });

    it(`IPv${family}: a port unreachable from the destination is arrival; from a router, an unreachable with its mark`, () => {
      const payload = buildDatagramPayload(9 as ProbeId);
      const portCode = family === 4 ? 3 : 4;
      const fromTarget = reencoded(flow, {
        sourcePort: 41_000,
        payload,
        kind: 'destination-unreachable',
        code: portCode,
      });
      expect(matchResponse(flow, arrival(family, fromTarget, 9, 41_000, flow.destination))).toMatchObject({
        probeId: 9,
        kind: 'reached',
        responder: flow.destination,
        icmpType: family === 4 ? 3 : 1,
        icmpCode: portCode,
      });
      const prohibited = reencoded(flow, {
        sourcePort: 41_000,
        payload,
        kind: 'destination-unreachable',
        code: family === 4 ? 13 : 1,
      });
      expect(matchResponse(flow, arrival(family, prohibited, 9, 41_000))).toMatchObject({
        kind: 'unreachable',
        mark: '!X',
      });
    });

    it(`IPv${family}: never throws on random or truncated bytes`, () => {
      const valid = reencoded(flow, {
        sourcePort: 40_000,
        payload: buildDatagramPayload(3 as ProbeId),
        kind: 'time-exceeded',
        code: 0,
      });
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc.nat(valid.length).map((n) => valid.slice(0, n)),
          ),
          (data) => {
            matchResponse(flow, arrival(family, data, 3, 40_000));
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('a probe socket’s arrival never matches an ICMP- or TCP-method flow', () => {
    const flow = flowOf(4);
    const data = reencoded(flow, {
      sourcePort: 40_000,
      payload: buildDatagramPayload(4 as ProbeId),
      kind: 'time-exceeded',
      code: 0,
    });
    for (const method of ['icmp', 'tcp'] as const)
      expect(matchResponse({ ...flow, method }, arrival(4, data, 4, 40_000))).toBeUndefined();
  });
});
