import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeQuery } from '@netdiag/dns-client';

/**
 * A misbehaving DNS server on 127.0.0.1 (UDP and TCP on one port). The first label of the
 * question picks the misbehaviour, so one server serves every case.
 */
export type Misbehaviour =
  | 'garbage' // random bytes
  | 'wrong-id' // a correct answer with another ID
  | 'wrong-question' // right ID, answer to another name
  | 'other-address' // the right answer, from another port
  | 'pointer-loop' // a name whose compression pointer points at itself
  | 'pointer-forward' // a pointer to later bytes (a loop through two pointers)
  | 'truncated' // the answer cut in the middle of a record
  | 'silence' // nothing at all
  | 'junk-then-answer' // garbage and a wrong ID first, then the right answer
  | 'huge-count' // header claims 65535 answers
  | 'close' // TCP: close without a word
  | 'zero-frame'; // TCP: a zero-length frame

/** A well-formed answer to `query` (its ID and question), one A record 192.0.2.1. */
export function answerFor(query: Buffer, overrides: { id?: number; name?: string } = {}): Buffer {
  const id = overrides.id ?? query.readUInt16BE(0);
  // Re-use the question bytes as sent, unless another name is wanted.
  let qEnd = 12;
  while (query[qEnd] !== 0) qEnd += query[qEnd]! + 1;
  qEnd += 5;
  const question = overrides.name
    ? Buffer.from(
        encodeQuery({
          id,
          question: { name: overrides.name, type: 1, class: 1 },
          recursionDesired: false,
          checkingDisabled: false,
          authenticData: false,
          edns: false,
        }).subarray(12),
      )
    : query.subarray(12, qEnd);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
  return Buffer.concat([header, question, rr]);
}

function firstLabel(query: Buffer): string {
  const len = query[12] ?? 0;
  return query.subarray(13, 13 + len).toString('latin1');
}

function misbehave(mode: string, query: Buffer): Buffer[] {
  const good = answerFor(query);
  switch (mode) {
    case 'garbage':
      return [Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 73 + 11) & 0xff))];
    case 'wrong-id':
      return [answerFor(query, { id: (query.readUInt16BE(0) + 1) & 0xffff })];
    case 'wrong-question':
      return [answerFor(query, { name: 'other.hostile.test' })];
    case 'pointer-loop': {
      // Answer owner is a pointer to itself.
      const b = Buffer.from(good);
      const at = b.length - 16;
      b.writeUInt16BE(0xc000 | at, at);
      return [b];
    }
    case 'pointer-forward': {
      const b = Buffer.from(good);
      const at = b.length - 16;
      b.writeUInt16BE(0xc000 | (b.length - 2), at);
      return [b];
    }
    case 'truncated':
      return [good.subarray(0, good.length - 7)];
    case 'junk-then-answer':
      return [
        Buffer.from('not dns at all'),
        answerFor(query, { id: (query.readUInt16BE(0) ^ 0x5555) & 0xffff }),
        good,
      ];
    case 'huge-count': {
      const b = Buffer.from(good);
      b.writeUInt16BE(0xffff, 6);
      return [b];
    }
    case 'zero-frame':
      return [Buffer.alloc(0)];
    default:
      return [good];
  }
}

export interface HostileServer {
  readonly address: string;
  readonly port: number;
  /** Queries received, by misbehaviour. */
  readonly seen: Map<string, number>;
  close(): Promise<void>;
}

export async function startHostile(): Promise<HostileServer> {
  const address = '127.0.0.1';
  const tcp: Server = createServer();
  await new Promise<void>((r) => tcp.listen(0, address, r));
  const port = (tcp.address() as { port: number }).port;
  const udp: UdpSocket = createSocket('udp4');
  const other: UdpSocket = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(port, address, r));
  await new Promise<void>((r) => other.bind(0, address, r));
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();

  udp.on('message', (msg, rinfo) => {
    if (msg.length < 17) return;
    const mode = firstLabel(msg);
    seen.set(mode, (seen.get(mode) ?? 0) + 1);
    if (mode === 'silence') return;
    const from = mode === 'other-address' ? other : udp;
    for (const reply of misbehave(mode, msg)) from.send(reply, rinfo.port, rinfo.address);
  });
  tcp.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      const mode = firstLabel(msg);
      seen.set(`tcp:${mode}`, (seen.get(`tcp:${mode}`) ?? 0) + 1);
      if (mode === 'close') return void sock.end();
      if (mode === 'silence') return;
      if (mode === 'truncated') {
        // Promise a longer frame than is sent, then hang up.
        const good = answerFor(msg);
        const frame = Buffer.alloc(2);
        frame.writeUInt16BE(good.length + 50);
        sock.end(Buffer.concat([frame, good]));
        return;
      }
      for (const reply of misbehave(mode, msg)) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(reply.length);
        sock.write(Buffer.concat([len, reply]));
      }
    });
  });
  return {
    address,
    port,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise((r) => tcp.close(r)),
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => other.close(() => r())),
      ]);
    },
  };
}
