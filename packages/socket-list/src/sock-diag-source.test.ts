import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { columnRows } from './inet-columns.testkit.js';
import { type SockDiagSocket, sockDiagSource } from './sock-diag-source.js';
import type { SocketQuery, SocketSource } from './source.js';
import type { Family, InetSocket, SocketProtocol, SocketRecord } from './types.js';

// The source over a scripted socket: what the kernel answers to each dump request is chosen by
// the test (sockets, refusals, silence), each datagram delivered on its own turn of the event loop.

type Answer = { sockets: number[] } | { errno: number } | 'silence';

function nlmsg(type: number, seq: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + ((payload.length + 3) & ~3));
  const v = new DataView(b.buffer);
  v.setUint32(0, 16 + payload.length, true);
  v.setUint16(4, type, true);
  v.setUint32(8, seq, true);
  b.set(payload, 16);
  return b;
}

/** struct inet_diag_msg of a listener on `port` (loopback of the family). */
function listener(family: number, port: number): Uint8Array {
  const b = new Uint8Array(72);
  const v = new DataView(b.buffer);
  b[0] = family;
  b[1] = 10;
  v.setUint16(4, port, false);
  if (family === 2) b.set([127, 0, 0, 1], 8);
  else b[23] = 1;
  v.setUint32(68, port * 10, true);
  return b;
}

/**
 * A kernel that answers SOCK_DIAG_BY_FAMILY per `answer(protocol, family)`, and the older
 * TCPDIAG_GETSOCK (both families at once) per `legacy`: with both families' sockets
 * interleaved, IPv6 first (as the kernel's table order may have them), or refused, or refused
 * part way (a socket, then the errno in NLMSG_DONE).
 */
function scripted(
  answer: (protocol: number, family: number) => Answer,
  legacy: 'interleaved' | { errno: number; partWay?: boolean } = 'interleaved',
): SockDiagSocket & { requests: string[] } {
  const listeners = new Set<(d: Uint8Array) => void>();
  const deliver = (d: Uint8Array) =>
    setImmediate(() => {
      for (const l of listeners) l(d);
    });
  const errno = (n: number) => Uint8Array.of(...new Uint8Array(new Int32Array([-n]).buffer));
  const requests: string[] = [];
  return {
    requests,
    async send(message) {
      const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
      const seq = v.getUint32(8, true);
      if (v.getUint16(4, true) === 18) {
        requests.push('6/both');
        if (legacy !== 'interleaved') {
          if (legacy.partWay) deliver(nlmsg(18, seq, listener(2, 7)));
          deliver(nlmsg(legacy.partWay ? 3 : 2, seq, errno(legacy.errno)));
          return;
        }
        const [a4, a6] = [answer(6, 2), answer(6, 10)];
        if (a4 === 'silence' || a6 === 'silence') return;
        if ('errno' in a4 || 'errno' in a6) {
          deliver(nlmsg(2, seq, errno('errno' in a4 ? a4.errno : (a6 as { errno: number }).errno)));
          return;
        }
        for (let k = 0; k < Math.max(a4.sockets.length, a6.sockets.length); k++) {
          if (k < a6.sockets.length) deliver(nlmsg(18, seq, listener(10, a6.sockets[k]!)));
          if (k < a4.sockets.length) deliver(nlmsg(18, seq, listener(2, a4.sockets[k]!)));
        }
        deliver(nlmsg(3, seq, new Uint8Array(4)));
        return;
      }
      const family = message[16]!;
      const protocol = message[17]!;
      requests.push(`${protocol}/${family}`);
      const a = answer(protocol, family);
      if (a === 'silence') return;
      if ('errno' in a) {
        deliver(nlmsg(2, seq, errno(a.errno)));
        return;
      }
      // Another dump's message on the same socket first: it must pass by.
      deliver(nlmsg(20, seq + 1, listener(family, 9)));
      for (const port of a.sockets) deliver(nlmsg(20, seq, listener(family, port)));
      deliver(nlmsg(3, seq, new Uint8Array(4)));
    },
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** A stand-in for the /proc source that says what it was asked for. */
function recordingRest(): SocketSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'rest',
    asked,
    async read(q: SocketQuery) {
      asked.push(`${[...q.protocols].join(',')}/${[...q.families].join(',')}`);
      return { sockets: [], issues: [] };
    },
  };
}

const query = (protocols: SocketProtocol[], families: Family[] = [4, 6]): SocketQuery => ({
  protocols: new Set(protocols),
  families: new Set(families),
});

describe('sockDiagSource', () => {
  const twoFamilies = (protocol: number, family: number): Answer => ({
    sockets: protocol === 6 ? (family === 2 ? [22, 80] : [443, 444]) : [53],
  });
  const expected = [
    'tcp4 127.0.0.1 22',
    'tcp4 127.0.0.1 80',
    'tcp6 ::1 443',
    'tcp6 ::1 444',
    'udp4 127.0.0.1 53',
    'udp6 ::1 53',
  ];
  const lines = (sockets: readonly SocketRecord[]) =>
    (sockets as InetSocket[]).map((s) => `${s.protocol}${s.family} ${s.localAddress} ${s.localPort}`);

  it('TCP of both families in one dump, UDP one per family, IPv4 first; raw and UNIX from the rest', async () => {
    const socket = scripted(twoFamilies);
    const rest = recordingRest();
    const r = await sockDiagSource(socket, rest).read(query(['tcp', 'udp', 'unix', 'raw']));
    expect(socket.requests).toEqual(['6/both', '17/2', '17/10']);
    expect(lines(r.sockets)).toEqual(expected);
    expect(rest.asked).toEqual(['unix,raw/4,6']);
    expect(r.issues).toEqual([]);
  });

  it('one family: one dump of it', async () => {
    const socket = scripted(twoFamilies);
    const r = await sockDiagSource(socket, recordingRest()).read(query(['tcp'], [6]));
    expect(socket.requests).toEqual(['6/10']);
    expect(lines(r.sockets)).toEqual(['tcp6 ::1 443', 'tcp6 ::1 444']);
  });

  it('a kernel that refuses the one-dump request, at once or part way, is asked per family', async () => {
    for (const legacy of [{ errno: 22 }, { errno: 16, partWay: true }]) {
      const socket = scripted(twoFamilies, legacy);
      const source = sockDiagSource(socket, recordingRest());
      const r = await source.read(query(['tcp', 'udp']));
      expect(socket.requests).toEqual(['6/both', '6/2', '6/10', '17/2', '17/10']);
      expect(lines(r.sockets)).toEqual(expected);
    }
  });

  it('readColumns: the same sockets as read, field by field, as columns', async () => {
    for (const legacy of ['interleaved' as const, { errno: 16, partWay: true }]) {
      const source = sockDiagSource(scripted(twoFamilies, legacy), recordingRest());
      const records = (await source.read(query(['tcp', 'udp']))).sockets as InetSocket[];
      const { columns: c, issues } = (await source.readColumns(query(['tcp', 'udp'])))!;
      expect(issues).toEqual([]);
      const rows = columnRows(c);
      // Rows in the kernel's order (TCP's families interleaved); records IPv4 first.
      const key = (s: {
        protocol: string | undefined;
        family: number | undefined;
        localPort: number | undefined;
      }) => `${s.protocol}${s.family}:${s.localPort}`;
      expect(rows.map(key).sort()).toEqual(records.map(key).sort());
      for (const row of rows) expect(records.find((s) => key(s) === key(row))).toMatchObject(row);
    }
  });

  it('a protocol the kernel has no sock_diag module for (ENOENT) comes from the rest; no columns then', async () => {
    const socket = scripted((protocol) => (protocol === 17 ? { errno: 2 } : { sockets: [1] }));
    const rest = recordingRest();
    const source = sockDiagSource(socket, rest);
    const r = await source.read(query(['tcp', 'udp']));
    expect(r.sockets).toHaveLength(2);
    expect(rest.asked).toEqual(['udp/4,6']);
    expect(await source.readColumns(query(['tcp', 'udp']))).toBeNull();
    expect((await source.readColumns(query(['tcp'])))?.columns.count).toBe(2);
  });

  it("the kernel's refusal, a failed send and silence are one SocketListError each", async () => {
    const refused = sockDiagSource(
      scripted(() => ({ errno: 13 })),
      recordingRest(),
    );
    await expect(refused.read(query(['tcp'], [6]))).rejects.toThrow(
      new SocketListError('READ_FAILED', 'sock_diag tcp6: EACCES'),
    );
    // Refused both ways: the error is the per-family request's.
    await expect(refused.readColumns(query(['tcp']))).rejects.toThrow('sock_diag tcp: EACCES');
    const broken: SockDiagSocket = {
      send: () => Promise.reject(new Error('socket closed')),
      onMessage: () => () => {},
    };
    await expect(sockDiagSource(broken, recordingRest()).read(query(['udp'], [4]))).rejects.toThrow(
      'sock_diag udp: socket closed',
    );
    const silent = sockDiagSource(
      scripted(() => 'silence'),
      recordingRest(),
      { timeoutMs: 30 },
    );
    await expect(silent.read(query(['tcp'], [4]))).rejects.toThrow('sock_diag tcp: no answer within 30 ms');
  });
});
