import { describe, expect, it } from 'vitest';
import { ArpOperation, decodeArpFrame, encodeArpFrame } from './arp-packet.js';
import type { Clock, FrameChannel } from './frame-channel.js';
import { runProbe, runScan } from './probe.js';

/** A virtual clock whose timers run when the test advances it. */
function virtualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    at(at, fn) {
      const t = { at, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    clock,
    async runUntilIdle(limit = 100) {
      for (let i = 0; i < limit; i++) {
        await settle();
        timers.sort((a, b) => a.at - b.at);
        const t = timers.shift();
        if (!t) return;
        now = Math.max(now, t.at);
        t.fn();
      }
    },
  };
}

/** A channel whose 'network' is a function from each sent frame to the frames that come back. */
function scriptedChannel(
  mac: string,
  answer: (frame: Uint8Array) => Uint8Array[],
  clock: Clock,
): FrameChannel & { sent: Uint8Array[] } {
  const listeners = new Set<(f: Uint8Array, at: number) => void>();
  const sent: Uint8Array[] = [];
  return {
    mac,
    sent,
    async send(frame) {
      sent.push(frame);
      const at = clock.now();
      for (const r of answer(frame)) {
        setImmediate(() => {
          for (const l of listeners) l(r, clock.now() + 0.25);
        });
      }
      return at;
    },
    onFrame(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close() {},
  };
}

const neighbour = '02:00:00:00:00:02';
const answerFrom = (ip: string, mac: string) => (frame: Uint8Array) => {
  const d = decodeArpFrame(frame);
  if (!d.ok || d.value.targetIp !== ip) return [];
  return [
    encodeArpFrame({
      destinationMac: d.value.senderMac,
      sourceMac: mac,
      operation: ArpOperation.Reply,
      senderMac: mac,
      senderIp: ip,
      targetMac: d.value.senderMac,
      targetIp: d.value.senderIp,
    }),
  ];
};

describe('runProbe and runScan over a frame channel', () => {
  it('a probe gets the MAC and an RTT from the channel times', async () => {
    const v = virtualClock();
    const ch = scriptedChannel('02:00:00:00:00:01', answerFrom('192.0.2.2', neighbour), v.clock);
    const done = runProbe(
      {
        targetIp: '192.0.2.2',
        senderIp: '192.0.2.1',
        mode: 'probe',
        count: 2,
        intervalMs: 1000,
        timeoutMs: 1000,
      },
      ch,
      { clock: v.clock },
    );
    await v.runUntilIdle();
    expect(await done).toEqual({
      transmitted: 2,
      received: 2,
      macs: [neighbour],
      rttMs: { min: 0.25, avg: 0.25, max: 0.25 },
      conflict: false,
      corrupt: 0,
    });
    expect(ch.sent).toHaveLength(2);
  });

  it('a probe of a silent address ends after its timeout with nothing', async () => {
    const v = virtualClock();
    const ch = scriptedChannel('02:00:00:00:00:01', () => [], v.clock);
    const done = runProbe(
      {
        targetIp: '192.0.2.9',
        senderIp: '192.0.2.1',
        mode: 'probe',
        count: 1,
        intervalMs: 1000,
        timeoutMs: 700,
      },
      ch,
      { clock: v.clock },
    );
    await v.runUntilIdle();
    expect(await done).toMatchObject({ transmitted: 1, received: 0, rttMs: null });
  });

  it('an abort ends a probe at once with what it has', async () => {
    const v = virtualClock();
    const ac = new AbortController();
    const ch = scriptedChannel('02:00:00:00:00:01', () => [], v.clock);
    const done = runProbe(
      {
        targetIp: '192.0.2.9',
        senderIp: '192.0.2.1',
        mode: 'probe',
        count: 100,
        intervalMs: 1000,
        timeoutMs: 1000,
      },
      ch,
      { clock: v.clock, signal: ac.signal },
    );
    ac.abort();
    expect(await done).toMatchObject({ transmitted: 1, received: 0 });
  });

  it('a scan finds the one host that answers', async () => {
    const v = virtualClock();
    const ch = scriptedChannel('02:00:00:00:00:01', answerFrom('192.0.2.3', '02:00:00:00:00:03'), v.clock);
    const done = runScan(
      { targets: ['192.0.2.2', '192.0.2.3', '192.0.2.4'], senderIp: '192.0.2.1', timeoutMs: 100 },
      ch,
      { clock: v.clock },
    );
    await v.runUntilIdle();
    expect((await done).hosts).toEqual([
      { ip: '192.0.2.3', mac: '02:00:00:00:00:03', rttMs: 0.25, otherMacs: [] },
    ]);
  });
});
