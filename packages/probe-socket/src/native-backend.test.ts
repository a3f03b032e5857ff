import type { ErrorQueueEntry } from '@netdiag/native-socket';
import { describe, expect, it } from 'vitest';
import { icmpErrorPacket } from './native-backend.js';

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
