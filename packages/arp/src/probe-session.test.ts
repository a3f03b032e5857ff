import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArpOperation, encodeArpFrame } from './arp-packet.js';
import {
  createProbe,
  type ProbeAction,
  type ProbeConfig,
  type ProbeEvent,
  type ProbeState,
  stepProbe,
} from './probe-session.js';

const me = { senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1' };
const config = (over: Partial<ProbeConfig> = {}): ProbeConfig => ({
  ...me,
  targetIp: '192.0.2.2',
  mode: 'probe',
  count: 3,
  intervalMs: 1000,
  timeoutMs: 1000,
  ...over,
});
const reply = (mac: string, from = '192.0.2.2', to = me.senderIp) =>
  encodeArpFrame({
    destinationMac: me.senderMac,
    sourceMac: mac,
    operation: ArpOperation.Reply,
    senderMac: mac,
    senderIp: from,
    targetMac: me.senderMac,
    targetIp: to,
  });

/** Runs events through the machine, firing timers it asked for in time order, and collects actions. */
function run(cfg: ProbeConfig, frames: { at: number; bytes: Uint8Array }[]): ProbeAction[] {
  let state: ProbeState = createProbe(cfg);
  const all: ProbeAction[] = [];
  const feed = (e: ProbeEvent) => {
    const r = stepProbe(state, e);
    state = r.state;
    all.push(...r.actions);
  };
  feed({ type: 'start', at: 0 });
  const queue = [...frames].sort((a, b) => a.at - b.at);
  for (let guard = 0; state.phase !== 'done' && guard < 1000; guard++) {
    const wake = [...all]
      .reverse()
      .find((a): a is Extract<ProbeAction, { type: 'wake' }> => a.type === 'wake')!.at;
    if (queue.length > 0 && queue[0]!.at < wake) feed({ type: 'frame', ...queue.shift()! });
    else feed({ type: 'timer', at: wake });
  }
  return all;
}

describe('ARP probe state machine', () => {
  it('sends count requests an interval apart and measures each reply from its request', () => {
    const out = run(config(), [
      { at: 3, bytes: reply('02:00:00:00:00:02') },
      { at: 1005, bytes: reply('02:00:00:00:00:02') },
      { at: 2001, bytes: reply('02:00:00:00:00:02') },
    ]);
    expect(out.filter((a) => a.type === 'send').map((a) => a.type === 'send' && a.seq)).toEqual([0, 1, 2]);
    expect(out.filter((a) => a.type === 'reply').map((a) => a.type === 'reply' && a.rttMs)).toEqual([
      3, 5, 1,
    ]);
    expect(out.at(-1)).toEqual({
      type: 'done',
      summary: {
        transmitted: 3,
        received: 3,
        macs: ['02:00:00:00:00:02'],
        rttMs: { min: 1, avg: 3, max: 5 },
        conflict: false,
        corrupt: 0,
      },
    });
  });

  it('ends with the reply that answers the last request, as iputils arping; waits when one is missing', () => {
    const quick = run(config({ count: 1 }), [{ at: 7, bytes: reply('02:00:00:00:00:02') }]);
    expect(quick.at(-1)).toMatchObject({ type: 'done', summary: { transmitted: 1, received: 1 } });
    // No timer past the reply: done came from the frame at 7, not from the 1000 ms deadline.
    expect(quick.filter((a) => a.type === 'wake').map((a) => a.type === 'wake' && a.at)).toEqual([1000]);
    const lost = run(config({ count: 2 }), [{ at: 1004, bytes: reply('02:00:00:00:00:02') }]);
    expect(lost.filter((a) => a.type === 'wake').map((a) => a.type === 'wake' && a.at)).toEqual([1000, 2000]);
    expect(lost.at(-1)).toMatchObject({ summary: { transmitted: 2, received: 1 } });
  });

  it('silence: no replies, done after the last request plus the timeout', () => {
    const out = run(config({ count: 2, timeoutMs: 500 }), []);
    const wakes = out.filter((a) => a.type === 'wake').map((a) => a.type === 'wake' && a.at);
    expect(wakes).toEqual([1000, 1500]);
    expect(out.at(-1)).toMatchObject({ type: 'done', summary: { transmitted: 2, received: 0, rttMs: null } });
  });

  it('ignores foreign replies, requests, its own frames and garbage; flags a second MAC', () => {
    const out = run(config({ count: 2 }), [
      { at: 1, bytes: reply('02:00:00:00:00:09', '192.0.2.77') },
      { at: 2, bytes: reply(me.senderMac) },
      { at: 3, bytes: new Uint8Array([1, 2, 3]) },
      { at: 4, bytes: reply('02:00:00:00:00:02') },
      { at: 6, bytes: reply('02:00:00:00:00:03') },
    ]);
    expect(out.filter((a) => a.type === 'reply')).toEqual([
      { type: 'reply', seq: 0, mac: '02:00:00:00:00:02', rttMs: 4, duplicate: false },
      { type: 'reply', seq: 0, mac: '02:00:00:00:00:03', rttMs: 6, duplicate: true },
    ]);
    expect(out).toContainEqual({ type: 'conflict', mac: '02:00:00:00:00:03', how: 'reply' });
    expect(out.at(-1)).toMatchObject({ summary: { received: 1, conflict: true } });
  });

  it('DAD: probes from 0.0.0.0, and any answer or competing probe is a conflict', () => {
    const dad = config({ mode: 'dad', count: 2 });
    const send = run(dad, []).find((a) => a.type === 'send')!;
    expect(send.type === 'send' && Array.from(send.frame.subarray(28, 32))).toEqual([0, 0, 0, 0]);
    const competing = encodeArpFrame({
      destinationMac: 'ff:ff:ff:ff:ff:ff',
      sourceMac: '02:00:00:00:00:05',
      operation: ArpOperation.Request,
      senderMac: '02:00:00:00:00:05',
      senderIp: '0.0.0.0',
      targetMac: '00:00:00:00:00:00',
      targetIp: '192.0.2.2',
    });
    expect(run(dad, [{ at: 10, bytes: competing }])).toContainEqual({
      type: 'conflict',
      mac: '02:00:00:00:00:05',
      how: 'probe',
    });
    expect(
      run(dad, [{ at: 10, bytes: reply('02:00:00:00:00:02', '192.0.2.2', '0.0.0.0') }]).at(-1),
    ).toMatchObject({ summary: { conflict: true, received: 1 } });
    expect(run(dad, []).at(-1)).toMatchObject({ summary: { conflict: false, received: 0 } });
  });

  it('whatever arrives, it sends exactly count requests, ends once, and never counts more replies than requests', () => {
    const frameArb = fc.record({
      at: fc.integer({ min: 0, max: 6000 }),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('02:00:00:00:00:02', '02:00:00:00:00:03').map((m) => reply(m)),
      ),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(frameArb, { maxLength: 30 }), (count, frames) => {
        const out = run(config({ count }), frames);
        expect(out.filter((a) => a.type === 'send')).toHaveLength(count);
        const done = out.filter((a) => a.type === 'done');
        expect(done).toHaveLength(1);
        const s = done[0]!.type === 'done' ? done[0]!.summary : undefined;
        expect(s!.received).toBeLessThanOrEqual(count);
        expect(out.filter((a) => a.type === 'reply' && !a.duplicate)).toHaveLength(s!.received);
      }),
    );
  });
});

describe('ARP probe: replies that do not check out', () => {
  const forged = (over: { targetMac?: string; targetIp?: string }) =>
    encodeArpFrame({
      destinationMac: me.senderMac,
      sourceMac: '02:00:00:00:00:66',
      operation: ArpOperation.Reply,
      senderMac: '02:00:00:00:00:66',
      senderIp: '192.0.2.2',
      targetMac: over.targetMac ?? me.senderMac,
      targetIp: over.targetIp ?? me.senderIp,
    });

  it('a reply sent to us that answers a request we did not send (other target MAC or IP) is corrupt, never a reply', () => {
    const out = run(config({ count: 1 }), [
      { at: 2, bytes: forged({ targetIp: '192.0.2.99' }) },
      { at: 3, bytes: forged({ targetMac: '02:00:00:00:00:99' }) },
      { at: 4, bytes: reply('02:00:00:00:00:02') },
    ]);
    expect(out.filter((a) => a.type === 'reply').map((a) => a.type === 'reply' && a.mac)).toEqual([
      '02:00:00:00:00:02',
    ]);
    expect(out.filter((a) => a.type === 'corrupt')).toHaveLength(2);
    expect(out.filter((a) => a.type === 'conflict')).toEqual([]);
    const done = out.find((a): a is Extract<ProbeAction, { type: 'done' }> => a.type === 'done')!;
    expect(done.summary).toMatchObject({
      transmitted: 1,
      received: 1,
      corrupt: 2,
      macs: ['02:00:00:00:00:02'],
    });
  });

  it('keeps RTT statistics as running sums, not a list that grows with the run', () => {
    const out = run(config({ count: 3 }), [
      { at: 3, bytes: reply('02:00:00:00:00:02') },
      { at: 1005, bytes: reply('02:00:00:00:00:02') },
      { at: 2001, bytes: reply('02:00:00:00:00:02') },
    ]);
    const done = out.find((a): a is Extract<ProbeAction, { type: 'done' }> => a.type === 'done')!;
    expect(done.summary.rttMs).toEqual({ min: 1, avg: 3, max: 5 });
    let state = createProbe(config());
    expect('rtts' in state).toBe(false);
    state = stepProbe(state, { type: 'start', at: 0 }).state;
  });
});
