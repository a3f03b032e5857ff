import { type ErrorQueueEntry, nativeAvailability, open as openNative } from '@netdiag/native-socket';
import { describe, expect, it } from 'vitest';
import { icmpErrorPacket } from './native-backend.js';
import { openProbeSocket } from './open.js';
import type { ReceivedPacket } from './types.js';

// An ICMP datagram socket reports an ICMP error in parts; the backend re-encodes it as the ICMP
// error message a raw socket would have delivered. The lab test (test/native-socket-probe)
// decodes these with the icmp package against iputils; here the byte layout is pinned.

const echo = Buffer.from([8, 0, 0x12, 0x34, 0xab, 0xcd, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7, 8]);

function entry(over: Partial<ErrorQueueEntry>): ErrorQueueEntry {
  return {
    errno: 113,
    code: 'EHOSTUNREACH',
    origin: 'icmp',
    icmpType: 3,
    icmpCode: 13,
    info: 0,
    offender: { family: 'inet', address: '198.51.100.1', port: 0 },
    destination: { family: 'inet', address: '203.0.113.9', port: 0 },
    payload: echo,
    receivedAt: 5n,
    kernelTimestamp: true,
    ...over,
  };
}

describe('icmpErrorPacket', () => {
  it('IPv4: ICMP header, a quoted IPv4 header to the destination, then the quoted echo', () => {
    const p = icmpErrorPacket(4, entry({}))!;
    expect(p.from).toBe('198.51.100.1');
    expect(p.includesIpHeader).toBe(false);
    expect(p.receivedAt).toBe(5n);
    expect([...p.data.subarray(0, 2)]).toEqual([3, 13]);
    const ip = p.data.subarray(8, 28);
    expect(ip[0]).toBe(0x45);
    expect(ip[9]).toBe(1); // ICMP
    expect(ip.readUInt16BE(2)).toBe(20 + echo.length);
    expect([...ip.subarray(16, 20)]).toEqual([203, 0, 113, 9]);
    expect(p.data.subarray(28).equals(echo)).toBe(true);
  });

  it('IPv4 fragmentation needed carries the next-hop MTU', () => {
    const p = icmpErrorPacket(4, entry({ icmpCode: 4, info: 1280 }))!;
    expect(p.data.readUInt16BE(6)).toBe(1280);
  });

  it('IPv6: ICMPv6 header, a quoted IPv6 header to the destination, then the quoted echo', () => {
    const p = icmpErrorPacket(
      6,
      entry({
        origin: 'icmp6',
        icmpType: 2,
        icmpCode: 0,
        info: 1400,
        offender: { family: 'inet6', address: '2001:db8::1', port: 0 },
        destination: { family: 'inet6', address: '2001:db8:1::9', port: 0 },
      }),
    )!;
    expect(p.from).toBe('2001:db8::1');
    expect(p.includesIpHeader).toBeUndefined();
    expect(p.data[0]).toBe(2);
    expect(p.data.readUInt32BE(4)).toBe(1400);
    const ip = p.data.subarray(8, 48);
    expect(ip[0]! >> 4).toBe(6);
    expect(ip[6]).toBe(58);
    expect(ip.readUInt16BE(4)).toBe(echo.length);
    expect(ip.subarray(24, 40).toString('hex')).toBe('20010db8000100000000000000000009');
    expect(p.data.subarray(48).equals(echo)).toBe(true);
  });

  it('ignores local errors and entries without an offender', () => {
    expect(icmpErrorPacket(4, entry({ origin: 'local' }))).toBeUndefined();
    expect(icmpErrorPacket(4, entry({ offender: undefined }))).toBeUndefined();
    expect(icmpErrorPacket(6, entry({}))).toBeUndefined();
  });
});

describe('icmpErrorPacket for UDP datagram sockets', () => {
  // The kernel reports a UDP error with the payload after the UDP header, and the destination
  // port in the entry's address; the source port is the socket's own.
  const udpPayload = Buffer.from([0x00, 0x2a, 9, 9]);

  it('IPv4: quotes an IPv4 header (protocol UDP) and a UDP header with both ports, then the payload', () => {
    const p = icmpErrorPacket(
      4,
      entry({
        icmpType: 11,
        icmpCode: 0,
        destination: { family: 'inet', address: '203.0.113.9', port: 33_434 },
        payload: udpPayload,
      }),
      { protocol: 'udp', sourcePort: 40_001 },
    )!;
    expect([...p.data.subarray(0, 2)]).toEqual([11, 0]);
    const ip = p.data.subarray(8, 28);
    expect(ip[9]).toBe(17);
    expect(ip.readUInt16BE(2)).toBe(20 + 8 + udpPayload.length);
    expect([...ip.subarray(16, 20)]).toEqual([203, 0, 113, 9]);
    const udp = p.data.subarray(28, 36);
    expect(udp.readUInt16BE(0)).toBe(40_001);
    expect(udp.readUInt16BE(2)).toBe(33_434);
    expect(udp.readUInt16BE(4)).toBe(8 + udpPayload.length);
    expect(udp.readUInt16BE(6)).toBe(0);
    expect(p.data.subarray(36).equals(udpPayload)).toBe(true);
  });

  it('IPv6: next header UDP, payload length counting the rebuilt UDP header', () => {
    const p = icmpErrorPacket(
      6,
      entry({
        origin: 'icmp6',
        icmpType: 1,
        icmpCode: 4,
        offender: { family: 'inet6', address: '2001:db8:1::9', port: 0 },
        destination: { family: 'inet6', address: '2001:db8:1::9', port: 53 },
        payload: Buffer.alloc(0),
      }),
      { protocol: 'udp', sourcePort: 50_000 },
    )!;
    const ip = p.data.subarray(8, 48);
    expect(ip[6]).toBe(17);
    expect(ip.readUInt16BE(4)).toBe(8);
    expect(p.data.subarray(48).toString('hex')).toBe('c350003500080000');
  });
});

describe.skipIf(!nativeAvailability().available)('a udp-datagram probe socket on loopback', () => {
  it('sends the payload to the spec port with a per-datagram TTL and hears the port unreachable as an ICMP error', async () => {
    // A port nothing listens on: bind one, note it, close it.
    const holder = openNative({ domain: 'inet', type: 'dgram', protocol: 0 });
    holder.bind({ family: 'inet', address: '127.0.0.1', port: 0 });
    const closedPort = (holder.localAddress() as { port: number }).port;
    holder.close();

    const socket = openProbeSocket({ family: 4, protocol: 'udp-datagram', port: closedPort });
    try {
      expect(socket.backend).toBe('native-dgram');
      expect(socket.boundIdentifier).toBeUndefined();
      const sourcePort = socket.boundPort!;
      expect(sourcePort).toBeGreaterThan(0);
      const arrived = new Promise<ReceivedPacket>((resolve) => {
        const off = socket.onPacket((p) => {
          off();
          resolve(p);
        });
      });
      const sentAt = await socket.send(Buffer.from([0x12, 0x34, 0xaa]), '127.0.0.1', { ttl: 3 });
      const p = await arrived;
      expect(p.from).toBe('127.0.0.1');
      expect(p.receivedAt).toBeGreaterThan(sentAt);
      expect(p.includesIpHeader).toBe(false);
      expect([...p.data.subarray(0, 2)]).toEqual([3, 3]); // port unreachable
      expect(p.data[8 + 9]).toBe(17);
      expect(p.data.readUInt16BE(28)).toBe(sourcePort);
      expect(p.data.readUInt16BE(30)).toBe(closedPort);
      expect([...p.data.subarray(36)]).toEqual([0x12, 0x34, 0xaa]);
    } finally {
      socket.close();
    }
  });

  it('refuses what only a datagram socket can do on other backends, and bad ports', () => {
    expect(() =>
      openProbeSocket({ family: 4, protocol: 'udp-datagram', port: 9 }, { backend: 'native-raw' }),
    ).toThrow(/native-dgram only/);
    expect(() => openProbeSocket({ family: 4, protocol: 'udp-datagram', port: 0 })).toThrow(/1 to 65535/);
  });
});

describe.skipIf(!nativeAvailability().available || process.getuid?.() !== 0)(
  'an ICMP probe socket with reusePacket on loopback',
  () => {
    it('trySend times each echo request without a promise; replies come in one packet object with their own bytes and kernel time', async () => {
      const socket = openProbeSocket(
        { family: 4, protocol: 'icmp', reusePacket: true },
        { backend: 'native-raw' },
      );
      try {
        const replies: { packet: ReceivedPacket; sequence: number; at: bigint; hr: readonly number[] }[] = [];
        const all = new Promise<void>((resolve) =>
          socket.onPacket((p) => {
            // Raw IPv4: the IP header, then ICMP; echo replies (type 0) to our identifier only.
            const icmp = p.data.subarray((p.data[0]! & 0x0f) * 4);
            if (icmp[0] !== 0 || icmp.readUInt16BE(4) !== 0x4e44) return;
            replies.push({
              packet: p,
              sequence: icmp.readUInt16BE(6),
              at: p.receivedAt,
              hr: [...p.receivedHrtime!],
            });
            if (replies.length === 3) resolve();
          }),
        );
        const sent: bigint[] = [];
        for (const sequence of [1, 2, 3]) {
          const request = Buffer.from([8, 0, 0, 0, 0x4e, 0x44, 0, sequence, 1, 2, 3, 4]);
          let sum = 0;
          for (let i = 0; i < request.length; i += 2) sum += request.readUInt16BE(i);
          while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
          request.writeUInt16BE(~sum & 0xffff, 2);
          expect(socket.trySend!(request, '127.0.0.1')).toBe(true);
          const [s, ns] = socket.lastSentAt!;
          sent.push(BigInt(s) * 1_000_000_000n + BigInt(ns));
        }
        await all;
        expect(new Set(replies.map((r) => r.packet)).size).toBe(1);
        expect(replies.map((r) => r.sequence)).toEqual([1, 2, 3]);
        for (const [i, r] of replies.entries()) {
          expect(r.packet.from).toBe('127.0.0.1');
          expect(r.at).toBe(BigInt(r.hr[0]!) * 1_000_000_000n + BigInt(r.hr[1]!));
          expect(r.at).toBeGreaterThan(sent[i]!);
        }
      } finally {
        socket.close();
      }
    });
  },
);
