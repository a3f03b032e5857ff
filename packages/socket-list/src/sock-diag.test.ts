import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInetDiagMessage, encodeInetDiagRequest } from './sock-diag.js';

/** A struct inet_diag_msg as the kernel lays it out (ports and addresses in network order). */
function message(o: {
  family: number;
  state: number;
  timer?: number;
  retrans?: number;
  sport: number;
  dport: number;
  src: number[];
  dst: number[];
  expires?: number;
  rq?: number;
  wq?: number;
  uid?: number;
  inode?: number;
  tail?: Uint8Array;
}): Uint8Array {
  const b = new Uint8Array(72 + (o.tail?.length ?? 0));
  const v = new DataView(b.buffer);
  b[0] = o.family;
  b[1] = o.state;
  b[2] = o.timer ?? 0;
  b[3] = o.retrans ?? 0;
  v.setUint16(4, o.sport, false);
  v.setUint16(6, o.dport, false);
  b.set(o.src, 8);
  b.set(o.dst, 24);
  v.setUint32(52, o.expires ?? 0, true);
  v.setUint32(56, o.rq ?? 0, true);
  v.setUint32(60, o.wq ?? 0, true);
  v.setUint32(64, o.uid ?? 0, true);
  v.setUint32(68, o.inode ?? 0, true);
  if (o.tail) b.set(o.tail, 72);
  return b;
}

describe('sock_diag codec', () => {
  it('asks for one protocol and family in every state (and UDP drops through SKMEMINFO)', () => {
    const tcp6 = encodeInetDiagRequest('tcp', 6);
    expect(tcp6.length).toBe(56);
    expect([...tcp6.subarray(0, 8)]).toEqual([10, 6, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(tcp6.subarray(8).every((x) => x === 0)).toBe(true);
    expect([...encodeInetDiagRequest('udp', 4).subarray(0, 3)]).toEqual([2, 17, 0x40]);
  });

  it('decodes an IPv4 connection: endpoints, state, queues, timer, uid, inode', () => {
    const m = message({
      family: 2,
      state: 1,
      timer: 1,
      retrans: 2,
      sport: 8080,
      dport: 51234,
      src: [127, 0, 0, 1],
      dst: [192, 0, 2, 7],
      expires: 200,
      rq: 1234,
      wq: 10,
      uid: 1000,
      inode: 4242,
    });
    expect(decodeInetDiagMessage(m, 'tcp')).toEqual({
      protocol: 'tcp',
      family: 4,
      state: 'ESTABLISHED',
      stateCode: 1,
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '192.0.2.7',
      remotePort: 51234,
      sendQueue: 10,
      receiveQueue: 1234,
      uid: 1000,
      timer: { kind: 'retransmit', expiresMs: 200, retransmits: 2, probes: 0 },
      inode: 4242,
      owners: [],
    });
  });

  it('decodes IPv6, a listener (send queue 0 as in /proc), keepalive probes and UDP drops', () => {
    const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const listener = decodeInetDiagMessage(
      message({ family: 10, state: 10, sport: 443, dport: 0, src: v6, dst: [], wq: 4096, rq: 3 }),
      'tcp',
    );
    expect(listener).toMatchObject({
      family: 6,
      state: 'LISTEN',
      localAddress: '2001:db8::1',
      remoteAddress: '::',
      sendQueue: 0,
      receiveQueue: 3,
    });
    const keepalive = decodeInetDiagMessage(
      message({
        family: 2,
        state: 1,
        timer: 2,
        retrans: 3,
        sport: 1,
        dport: 2,
        src: [],
        dst: [],
        expires: 7000,
      }),
      'tcp',
    );
    expect(keepalive?.timer).toEqual({ kind: 'keepalive', expiresMs: 7000, retransmits: 0, probes: 3 });
    // INET_DIAG_SKMEMINFO: 4-byte header, then u32[9]; drops are index 8.
    const mem = new Uint8Array(4 + 36);
    const mv = new DataView(mem.buffer);
    mv.setUint16(0, 40, true);
    mv.setUint16(2, 7, true);
    mv.setUint32(4 + 32, 17, true);
    expect(
      decodeInetDiagMessage(
        message({ family: 2, state: 7, sport: 53, dport: 0, src: [], dst: [], tail: mem }),
        'udp',
      ),
    ).toMatchObject({
      protocol: 'udp',
      state: 'CLOSE',
      drops: 17,
    });
  });

  it('property: any bytes decode to a record or null, never a throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('tcp' as const, 'udp' as const),
        (bytes, protocol) => {
          const r = decodeInetDiagMessage(bytes, protocol);
          if (bytes.length < 72 || (bytes[0] !== 2 && bytes[0] !== 10)) expect(r).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
