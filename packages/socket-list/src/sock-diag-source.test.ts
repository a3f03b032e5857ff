import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { type SockDiagSocket, sockDiagSource } from './sock-diag-source.js';
import type { SocketQuery, SocketSource } from './source.js';
import type { Family, InetSocket, SocketProtocol } from './types.js';

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

function scripted(
  answer: (protocol: number, family: number) => Answer,
): SockDiagSocket & { requests: string[] } {
  const listeners = new Set<(d: Uint8Array) => void>();
  const deliver = (d: Uint8Array) =>
    setImmediate(() => {
      for (const l of listeners) l(d);
    });
  const requests: string[] = [];
  return {
    requests,
    async send(message) {
      const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
      const seq = v.getUint32(8, true);
      const family = message[16]!;
      const protocol = message[17]!;
      requests.push(`${protocol}/${family}`);
      const a = answer(protocol, family);
      if (a === 'silence') return;
      if ('errno' in a) {
        deliver(nlmsg(2, seq, Uint8Array.of(...new Uint8Array(new Int32Array([-a.errno]).buffer))));
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
  it('one dump per protocol and family; raw and UNIX from the rest', async () => {
    const socket = scripted((protocol, family) => ({
      sockets: protocol === 6 ? (family === 2 ? [22, 80] : [443]) : [53],
    }));
    const rest = recordingRest();
    const r = await sockDiagSource(socket, rest).read(query(['tcp', 'udp', 'unix', 'raw']));
    expect(socket.requests).toEqual(['6/2', '6/10', '17/2', '17/10']);
    const got = (r.sockets as InetSocket[]).map(
      (s) => `${s.protocol}${s.family} ${s.localAddress} ${s.localPort}`,
    );
    expect(got).toEqual([
      'tcp4 127.0.0.1 22',
      'tcp4 127.0.0.1 80',
      'tcp6 ::1 443',
      'udp4 127.0.0.1 53',
      'udp6 ::1 53',
    ]);
    expect(rest.asked).toEqual(['unix,raw/4,6']);
    expect(r.issues).toEqual([]);
  });

  it('a protocol the kernel has no sock_diag module for (ENOENT) comes from the rest', async () => {
    const socket = scripted((protocol) => (protocol === 17 ? { errno: 2 } : { sockets: [1] }));
    const rest = recordingRest();
    const r = await sockDiagSource(socket, rest).read(query(['tcp', 'udp']));
    expect(r.sockets).toHaveLength(2);
    expect(rest.asked).toEqual(['udp/4', 'udp/6']);
  });

  it("the kernel's refusal, a failed send and silence are one SocketListError each", async () => {
    const refused = sockDiagSource(
      scripted(() => ({ errno: 13 })),
      recordingRest(),
    );
    await expect(refused.read(query(['tcp'], [6]))).rejects.toThrow(
      new SocketListError('READ_FAILED', 'sock_diag tcp6: EACCES'),
    );
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
