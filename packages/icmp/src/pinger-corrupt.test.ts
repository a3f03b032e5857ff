import type { ProbeSocket, ReceivedPacket, SocketSpec } from '@netdiag/probe-socket';
import { describe, expect, it } from 'vitest';
import { internetChecksum } from './checksum.js';
import type { IcmpMessage } from './icmp-message.js';
import { icmpv4 } from './icmpv4.js';
import { icmpv6 } from './icmpv6.js';
import { ipv4 } from './ipv4.js';
import { type PingEvent, ping } from './pinger.js';

// Replies that do not check out, scripted: a fake socket answers each echo request as the script
// says, with forged packets. None of them may count as a reply (or a duplicate, or an error).

type EchoRequest = Extract<IcmpMessage, { kind: 'echo-request' | 'echo-reply' }>;
type Forge = (request: EchoRequest, wire: Uint8Array) => Uint8Array[];

function ipv4Packet(icmp: Uint8Array, from: string, to: string): Buffer {
  const header = ipv4.encode({
    tos: 0,
    totalLength: 20 + icmp.length,
    identification: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 1,
    source: from,
    destination: to,
    options: new Uint8Array(0),
  });
  return Buffer.concat([header, icmp]);
}

/** A socket of the given family whose peer answers request `seq` with `script[seq]`'s packets. */
function scriptedSocket(family: 4 | 6, script: Record<number, Forge>) {
  return (spec: SocketSpec): ProbeSocket => {
    const listeners = new Set<(p: ReceivedPacket) => void>();
    const target = family === 4 ? '127.0.0.1' : '::1';
    const deliver = (data: Uint8Array) => {
      const packet: ReceivedPacket = {
        data: family === 4 ? ipv4Packet(data, target, target) : Buffer.from(data),
        from: target,
        receivedAt: process.hrtime.bigint(),
        kernelTimestamp: false,
      };
      for (const l of listeners) l(packet);
    };
    return {
      family: spec.family,
      protocol: 'icmp',
      backend: 'scripted',
      async send(packet) {
        const at = process.hrtime.bigint();
        const codec = family === 4 ? icmpv4 : icmpv6;
        const request = codec.decode(packet).value;
        if (request.kind !== 'echo-request') throw new Error('not an echo request');
        const replies = script[request.sequence]?.(request, packet) ?? [];
        setTimeout(() => {
          for (const r of replies) deliver(r);
        }, 1);
        return at;
      },
      onPacket(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      onError: () => () => {},
      drain() {},
      unref() {},
      ref() {},
      canUnref: true,
      close() {},
      closed: false,
    };
  };
}

const reply = (r: EchoRequest, payload = r.payload): IcmpMessage => ({
  kind: 'echo-reply',
  code: 0,
  identifier: r.identifier,
  sequence: r.sequence,
  payload,
});
/** An ICMPv4 message with its checksum (as icmpv4.encode writes it), then one bit flipped. */
const badChecksum = (bytes: Uint8Array) => {
  const out = Uint8Array.from(bytes);
  out[3]! ^= 0x01;
  return out;
};
const changedPayload = (r: EchoRequest) => {
  const p = Uint8Array.from(r.payload);
  p[20]! ^= 0xff;
  return p;
};
/** Destination unreachable quoting an echo request of ours, as a router would (IPv4). */
const unreachableQuoting = (r: EchoRequest, sequence: number) =>
  icmpv4.encode({
    kind: 'destination-unreachable',
    code: 1,
    nextHopMtu: 0,
    original: ipv4Packet(icmpv4.encode({ ...r, sequence }), '127.0.0.1', '127.0.0.1'),
    extensions: null,
  } as IcmpMessage);

async function collect(family: 4 | 6, script: Record<number, Forge>, count: number) {
  const run = ping(family === 4 ? '127.0.0.1' : '::1', {
    count,
    intervalMs: 5,
    timeoutMs: 150,
    openSocket: scriptedSocket(family, script),
  });
  const events: PingEvent[] = [];
  for await (const e of run) events.push(e);
  return { events, summary: (await run.summary)[0]! };
}

const outcome = (e: PingEvent) =>
  e.type === 'reply'
    ? `${e.seq} reply${e.duplicate ? ' dup' : ''}`
    : e.type === 'corrupt'
      ? `${e.seq} corrupt ${e.reason}`
      : 'seq' in e && e.type !== 'sent'
        ? `${e.seq} ${e.type}`
        : undefined;

describe('ping: replies that do not check out (scripted forgeries)', () => {
  it('IPv4: a wrong checksum, a changed payload, a quote of a request never sent are corrupt, never replies', async () => {
    const { events, summary } = await collect(
      4,
      {
        1: (r) => [badChecksum(icmpv4.encode(reply(r))), icmpv4.encode(reply(r))],
        2: (r) => [icmpv4.encode(reply(r, changedPayload(r)))],
        3: (r) => [unreachableQuoting(r, 999), icmpv4.encode(reply(r))],
        4: (r) => [badChecksum(unreachableQuoting(r, r.sequence)), icmpv4.encode(reply(r))],
      },
      4,
    );
    expect(events.map(outcome).filter(Boolean)).toEqual([
      '1 corrupt checksum',
      '1 reply',
      '2 corrupt payload',
      '999 corrupt quote',
      '3 reply',
      '4 corrupt checksum',
      '4 reply',
      '2 timeout',
    ]);
    const payload = events.find((e) => e.type === 'corrupt' && e.reason === 'payload');
    expect(payload).toMatchObject({ offset: 20 });
    expect(summary).toMatchObject({ transmitted: 4, received: 3, duplicates: 0, errors: 0, corrupt: 4 });
    expect(summary.rtt).not.toBeNull();
  });

  it('IPv6: a changed payload is corrupt; good replies are counted', async () => {
    const { events, summary } = await collect(
      6,
      {
        1: (r) => [icmpv6.encode(reply(r, changedPayload(r))), icmpv6.encode(reply(r))],
        2: (r) => [icmpv6.encode(reply(r))],
      },
      2,
    );
    expect(events.map(outcome).filter(Boolean)).toEqual(['1 corrupt payload', '1 reply', '2 reply']);
    expect(summary).toMatchObject({ transmitted: 2, received: 2, duplicates: 0, corrupt: 1 });
  });

  it('a good reply is never flagged (the checksum of what icmpv4.encode wrote verifies)', () => {
    const m = icmpv4.encode({
      kind: 'echo-reply',
      code: 0,
      identifier: 7,
      sequence: 9,
      payload: new Uint8Array(56),
    });
    expect(internetChecksum(m)).toBe(0);
  });
});
