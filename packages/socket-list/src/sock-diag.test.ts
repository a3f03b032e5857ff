import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../test/support/arbitraries.js';
import { formatIpv6Groups } from './address.js';
import { AddressTable } from './address-table.js';
import type { ParseIssue } from './errors.js';
import { InetColumns } from './inet-columns.js';
import { columnRow, columnRows, recordRow } from './inet-columns.testkit.js';
import {
  AddressCache,
  decodeInetDiagColumns,
  decodeInetDiagMessage,
  encodeInetDiagRequest,
  encodeSockDiagDump,
  encodeTcpDiagDump,
  readSockDiagColumns,
  readSockDiagDatagram,
} from './sock-diag.js';
import type { SocketRecord } from './types.js';

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
  it('asks for one protocol and family in the states /proc lists (and UDP drops through SKMEMINFO)', () => {
    const tcp6 = encodeInetDiagRequest('tcp', 6);
    expect(tcp6.length).toBe(56);
    // States 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), not 13 (BOUND_INACTIVE), which /proc leaves out.
    expect([...tcp6.subarray(0, 8)]).toEqual([10, 6, 0, 0, 0xfe, 0x1f, 0, 0]);
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

  it('property: cached IPv6 addresses read as formatted afresh, collisions or not', () => {
    const cache = new AddressCache();
    // Few distinct words, so the same addresses come back (hits) and hashes meet (collisions).
    const word = fc.constantFrom(0, 1, 0xffff, 0x20010db8, 0xfe800000, 0x7f000001, 0xffffffff);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, word, word, word), { minLength: 1, maxLength: 50 }),
        (addresses) => {
          for (const ws of addresses) {
            const b = new Uint8Array(16);
            const v = new DataView(b.buffer);
            for (const [k, w] of ws.entries()) v.setUint32(4 * k, w, false);
            const groups = Array.from({ length: 8 }, (_, k) => v.getUint16(2 * k, false));
            expect(cache.ipv6(v, 0)).toBe(formatIpv6Groups(groups));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('sock_diag as columns', () => {
  it('property: a message decodes to the same fields as a row as it does as a record', () => {
    const word = fc.constantFrom(0, 1, 0xffff, 0x20010db8, 0xc0000201, 0x7f000001, 0xffffffff);
    const bytes4 = (w: number) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255];
    const address = fc.tuple(word, word, word, word).map((ws) => ws.flatMap(bytes4));
    const msg = fc
      .record({
        family: fc.constantFrom(2, 10, 2, 10, 0, 7),
        state: fc.nat(255),
        timer: fc.nat(5),
        retrans: fc.nat(255),
        sport: fc.nat(65535),
        dport: fc.nat(65535),
        src: address,
        dst: address,
        rq: fc.nat(),
        wq: fc.nat(),
        uid: fc.nat(),
        inode: fc.nat(),
        tail: fc.uint8Array({ maxLength: 40 }),
      })
      .chain((m) => fc.nat(message(m).length).map((cut) => message(m).subarray(0, cut + 60)));
    fc.assert(
      fc.property(
        fc.array(msg, { maxLength: 30 }),
        fc.constantFrom('tcp' as const, 'udp' as const),
        (msgs, protocol) => {
          const c = new InetColumns(1); // grown as rows come
          const cache = new AddressCache();
          let rows = 0;
          for (const m of msgs) {
            const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
            const record = decodeInetDiagMessage(m, protocol, cache);
            expect(decodeInetDiagColumns(m, v, 0, m.length, protocol, c)).toBe(record !== null);
            if (record === null) continue;
            const i = rows++;
            expect(columnRow(c, i)).toEqual(recordRow(record));
          }
          expect(c.count).toBe(rows);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: an address keeps its number, and its number reads back as its text', () => {
    const word = fc.constantFrom(0, 1, 0xffff, 0x20010db8, 0xfe800000, 0x7f000001, 0xffffffff);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, word, word, word), { minLength: 1, maxLength: 60 }),
        (addresses) => {
          const table = new AddressTable();
          const seen = new Map<string, number>();
          for (const ws of addresses) {
            const b = new Uint8Array(16);
            const v = new DataView(b.buffer);
            for (const [k, w] of ws.entries()) v.setUint32(4 * k, w, false);
            const text = formatIpv6Groups(Array.from({ length: 8 }, (_, k) => v.getUint16(2 * k, false)));
            const id = table.ipv6(v, 0);
            expect(table.texts[id]).toBe(text);
            // The same address again: the same number, unless a colliding one took its slot since.
            if (seen.has(text) && seen.get(text) !== id) expect(table.texts.indexOf(text)).toBeLessThan(id);
            seen.set(text, id);
            const four = b.subarray(12);
            expect(table.texts[table.ipv4(four, 0)]).toBe([...four].join('.'));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A netlink message: header (host byte order) and payload, padded to 4 bytes. */
function nlmsg(type: number, seq: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + ((payload.length + 3) & ~3));
  const v = new DataView(b.buffer);
  v.setUint32(0, 16 + payload.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, 2, true); // NLM_F_MULTI
  v.setUint32(8, seq, true);
  b.set(payload, 16);
  return b;
}
const int32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
};
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const socketMessage = (sport: number) =>
  message({ family: 2, state: 10, sport, dport: 0, src: [127, 0, 0, 1], dst: [0, 0, 0, 0] });

function read(datagram: Uint8Array, seq = 7) {
  const out: SocketRecord[] = [];
  const issues: ParseIssue[] = [];
  const end = readSockDiagDatagram(
    datagram,
    seq,
    'tcp',
    new AddressCache(),
    out,
    issues,
    { count: 0 },
    'tcp4',
  );
  return { end, out, issues };
}

describe('sock_diag datagrams', () => {
  it('a dump request is one netlink message: SOCK_DIAG_BY_FAMILY, request and dump flags, our sequence', () => {
    const m = encodeSockDiagDump('tcp', 4, 0x01020304);
    const v = new DataView(m.buffer);
    expect([m.length, v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true)]).toEqual([
      72, 72, 20, 0x301,
    ]);
    expect(v.getUint32(8, true)).toBe(0x01020304);
    expect(m.subarray(16)).toEqual(encodeInetDiagRequest('tcp', 4));
  });

  it('the one-dump TCP request: TCPDIAG_GETSOCK, a 60-byte struct inet_diag_req with the states /proc lists', () => {
    const m = encodeTcpDiagDump(0x01020304);
    const v = new DataView(m.buffer);
    expect([m.length, v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true)]).toEqual([
      76, 76, 18, 0x301,
    ]);
    expect(v.getUint32(8, true)).toBe(0x01020304);
    expect(v.getUint32(16 + 52, true)).toBe(
      new DataView(encodeInetDiagRequest('tcp', 4).buffer).getUint32(4, true),
    );
    expect([...m.subarray(16, 16 + 52)].every((x) => x === 0)).toBe(true);
    // Its answers are socket messages as SOCK_DIAG_BY_FAMILY's are.
    expect(read(concat(nlmsg(18, 7, socketMessage(22)), nlmsg(3, 7, int32(0)))).out).toHaveLength(1);
  });

  it("decodes our sockets in place, passes other dumps' messages by, and ends at NLMSG_DONE", () => {
    const r = read(
      concat(
        nlmsg(20, 7, socketMessage(22)),
        nlmsg(20, 8, socketMessage(23)),
        nlmsg(20, 7, socketMessage(24)),
      ),
    );
    expect(r.end).toEqual({ kind: 'more' });
    expect(r.out.map((s) => (s.protocol === 'unix' ? 0 : s.localPort))).toEqual([22, 24]);
    expect(read(concat(nlmsg(20, 7, socketMessage(25)), nlmsg(3, 7, int32(0)))).end).toEqual({
      kind: 'done',
    });
  });

  it("the kernel's refusal (NLMSG_ERROR) and a dump that failed part way (errno in NLMSG_DONE) are errors", () => {
    expect(read(nlmsg(2, 7, int32(-13))).end).toEqual({ kind: 'error', errno: 13 });
    expect(read(nlmsg(2, 7, int32(0))).end).toEqual({ kind: 'done' });
    expect(read(concat(nlmsg(20, 7, socketMessage(1)), nlmsg(3, 7, int32(-16)))).end).toEqual({
      kind: 'error',
      errno: 16,
    });
  });

  it('a short socket message is an issue with its number in the dump; a bad length is a malformed datagram', () => {
    const r = read(concat(nlmsg(20, 7, socketMessage(1)), nlmsg(20, 7, new Uint8Array(40))));
    expect(r.out).toHaveLength(1);
    expect(r.issues).toEqual([{ source: 'tcp4', line: 2, reason: 'message of 40 bytes' }]);
    const bad = nlmsg(20, 7, socketMessage(1));
    new DataView(bad.buffer).setUint32(0, 4000, true);
    expect(read(bad).end).toMatchObject({ kind: 'malformed' });
    expect(read(bad.subarray(0, 10)).end).toMatchObject({ kind: 'malformed' });
  });

  it('property: random and mutated datagrams end in one of the four ways, never a throw', () => {
    const good = concat(
      nlmsg(20, 7, socketMessage(80)),
      nlmsg(20, 7, message({ family: 10, state: 1, sport: 1, dport: 2, src: [], dst: [] })),
      nlmsg(3, 7, int32(0)),
    );
    const broken = mutated(fc.constant(good));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), broken), (bytes) => {
        const r = read(bytes);
        expect(['more', 'done', 'error', 'malformed']).toContain(r.end.kind);
        expect(r.out.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Rows of `c` as the fields records share with them. */

describe('sock_diag datagrams as columns', () => {
  const v6 = (words: number[]) =>
    words.flatMap((w) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]);
  const sockets = [
    message({ family: 2, state: 10, sport: 80, dport: 0, src: [127, 0, 0, 1], dst: [0, 0, 0, 0], wq: 4096 }),
    message({
      family: 2,
      state: 1,
      sport: 80,
      dport: 5000,
      src: [127, 0, 0, 1],
      dst: [198, 51, 100, 200],
      rq: 9,
    }),
    message({
      family: 2,
      state: 1,
      sport: 80,
      dport: 5001,
      src: [127, 0, 0, 1],
      dst: [198, 51, 100, 200],
      uid: 2 ** 31 + 5,
    }),
    message({
      family: 10,
      state: 1,
      sport: 443,
      dport: 7,
      src: v6([0x20010db8, 0, 0, 1]),
      dst: v6([0, 0, 0, 1]),
    }),
    message({
      family: 10,
      state: 1,
      sport: 443,
      dport: 8,
      src: v6([0x20010db8, 0, 0, 1]),
      dst: v6([0, 0, 0xffff, 0xc0000201]),
      inode: 2 ** 32 - 1,
    }),
    message({ family: 2, state: 6, sport: 1, dport: 2, src: [0, 0, 0, 1], dst: [0, 0, 0, 1] }),
  ];
  const good = concat(
    ...sockets.map((m, k) => nlmsg(k % 2 ? 20 : 18, 7, m)),
    nlmsg(20, 8, socketMessage(9)),
    nlmsg(20, 7, new Uint8Array(50)),
    nlmsg(20, 7, sockets[1]!),
    nlmsg(3, 7, int32(0)),
  );

  function both(bytes: Uint8Array, protocol: 'tcp' | 'udp') {
    const out: SocketRecord[] = [];
    const issues: ParseIssue[] = [];
    const end = readSockDiagDatagram(bytes, 7, protocol, new AddressCache(), out, issues, { count: 0 }, 's');
    const c = new InetColumns(1);
    const cIssues: ParseIssue[] = [];
    const cEnd = readSockDiagColumns(bytes, 7, protocol, c, cIssues, { count: 0 }, 's');
    return { end, out, issues, cEnd, c, cIssues };
  }

  it('reads what the general walk reads: rows, issues and the end, aligned or not', () => {
    for (const bytes of [good, concat(new Uint8Array(1), good).subarray(1)]) {
      const r = both(bytes, 'tcp');
      expect(r.cEnd).toEqual(r.end);
      expect(r.end).toEqual({ kind: 'done' });
      expect(r.cIssues).toEqual(r.issues);
      expect(r.issues).toHaveLength(1);
      expect(r.c.count).toBe(7);
      for (const [i, row] of columnRows(r.c).entries()) expect(r.out[i]).toMatchObject(row);
    }
  });

  it('property: random and mutated datagrams give the rows, issues and end of the general walk', () => {
    // Mutated, and misaligned in its buffer: the fast reader's 32-bit views must cope with both.
    const misaligned = fc
      .tuple(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        fc.nat(3),
      )
      .map(([changes, cut, shift]) => {
        const b = new Uint8Array(good.length + shift);
        b.set(good, shift);
        for (const [at, byte] of changes) b[shift + (at % good.length)] = byte;
        return b.subarray(shift, shift + (cut % (good.length + 1)));
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), misaligned),
        fc.constantFrom('tcp' as const, 'udp' as const),
        (bytes, protocol) => {
          const r = both(bytes, protocol);
          expect(r.cEnd).toEqual(r.end);
          expect(r.cIssues).toEqual(r.issues);
          expect(r.c.count).toBe(r.out.length);
          for (const [i, row] of columnRows(r.c).entries()) expect(r.out[i]).toMatchObject(row);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
