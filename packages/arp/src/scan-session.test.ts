import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArpOperation, decodeArpFrame, encodeArpFrame } from './arp-packet.js';
import { type ScanAction, type ScanConfig, ScanSession } from './scan-session.js';

const me = { senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.1' };
const targets = ['192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'];
const reply = (ip: string, mac: string, to = me.senderIp) =>
  encodeArpFrame({
    destinationMac: me.senderMac,
    sourceMac: mac,
    operation: ArpOperation.Reply,
    senderMac: mac,
    senderIp: ip,
    targetMac: me.senderMac,
    targetIp: to,
  });

/**
 * Drives a session with a virtual clock: each host in `answers` replies `delay` ms after every
 * request it gets (or only to its nth request), in time order with the session's own wake-ups.
 */
function simulate(
  config: Omit<ScanConfig, 'senderMac' | 'senderIp'>,
  answers: Record<string, { mac: string; delay: number; from?: number }[]>,
) {
  const s = new ScanSession({ ...me, ...config });
  const log: ScanAction[] = [];
  const pending: { at: number; bytes: Uint8Array }[] = [];
  const asked = new Map<string, number>();
  let wake = 0;
  const run = (acts: ScanAction[], now: number) => {
    for (const a of acts) {
      log.push(a);
      if (a.type === 'wake') wake = a.at;
      if (a.type === 'send') {
        const t = decodeArpFrame(a.frame);
        expect(t.ok && t.value.targetIp).toBe(a.target);
        const n = (asked.get(a.target) ?? 0) + 1;
        asked.set(a.target, n);
        for (const ans of answers[a.target] ?? [])
          if (n >= (ans.from ?? 1)) pending.push({ at: now + ans.delay, bytes: reply(a.target, ans.mac) });
      }
    }
  };
  run(s.step({ type: 'start', at: 0 }), 0);
  for (let guard = 0; s.phase !== 'done' && guard < 10_000; guard++) {
    pending.sort((a, b) => a.at - b.at);
    if (pending.length > 0 && pending[0]!.at <= wake) {
      const f = pending.shift()!;
      run(s.step({ type: 'frame', ...f }), f.at);
    } else run(s.step({ type: 'timer', at: wake }), wake);
  }
  return {
    log,
    asked,
    summary:
      log.find((a) => a.type === 'done')?.type === 'done'
        ? (log.find((a) => a.type === 'done') as Extract<ScanAction, { type: 'done' }>).summary
        : undefined,
  };
}

describe('ScanSession', () => {
  it('finds exactly the hosts that answer, asks silent ones again, paces its requests', () => {
    const { log, asked, summary } = simulate(
      { targets, intervalMs: 2, attempts: 2, timeoutMs: 500 },
      {
        '192.0.2.3': [{ mac: '02:00:00:00:00:03', delay: 1 }],
        '192.0.2.5': [{ mac: '02:00:00:00:00:05', delay: 3 }],
      },
    );
    expect(summary!.hosts).toEqual([
      { ip: '192.0.2.3', mac: '02:00:00:00:00:03', rttMs: 1, otherMacs: [] },
      { ip: '192.0.2.5', mac: '02:00:00:00:00:05', rttMs: 3, otherMacs: [] },
    ]);
    expect(Object.fromEntries(asked)).toEqual({
      '192.0.2.2': 2,
      '192.0.2.3': 1,
      '192.0.2.4': 2,
      '192.0.2.5': 1,
    });
    const sendTimes: number[] = [];
    let t = 0;
    for (const a of log) {
      if (a.type === 'wake') t = a.at;
      if (a.type === 'send') sendTimes.push(t);
    }
    for (let k = 1; k < sendTimes.length; k++)
      expect(sendTimes[k]! - sendTimes[k - 1]!).toBeGreaterThanOrEqual(2);
    expect(summary!.sent).toBe(6);
  });

  it('a host that answers only its second request is found on the retry, not sooner than the timeout', () => {
    const { summary, log } = simulate(
      { targets: ['192.0.2.9'], attempts: 3, timeoutMs: 100 },
      { '192.0.2.9': [{ mac: '02:00:00:00:00:09', delay: 1, from: 2 }] },
    );
    expect(summary!.hosts.map((h) => h.ip)).toEqual(['192.0.2.9']);
    expect(log.filter((a) => a.type === 'wake').map((a) => a.type === 'wake' && a.at)).toContain(100);
  });

  it('two MACs for one address is a conflict; replies not for us or not asked for are ignored', () => {
    const { log, summary } = simulate(
      { targets: ['192.0.2.2'], timeoutMs: 50 },
      {
        '192.0.2.2': [
          { mac: '02:00:00:00:00:02', delay: 1 },
          { mac: '02:00:00:00:00:22', delay: 2 },
        ],
      },
    );
    // Both replies for a single target: the first is found, the scan ends at once (all answered),
    // so the second is not seen. With two targets the second MAC is seen:
    expect(summary!.hosts).toHaveLength(1);
    const two = simulate(
      { targets: ['192.0.2.2', '192.0.2.3'], timeoutMs: 50 },
      {
        '192.0.2.2': [
          { mac: '02:00:00:00:00:02', delay: 1 },
          { mac: '02:00:00:00:00:22', delay: 2 },
        ],
      },
    );
    expect(two.log).toContainEqual({ type: 'conflict', ip: '192.0.2.2', mac: '02:00:00:00:00:22' });
    expect(two.summary!.hosts[0]!.otherMacs).toEqual(['02:00:00:00:00:22']);
    const s = new ScanSession({ ...me, targets: ['192.0.2.2'] });
    s.step({ type: 'start', at: 0 });
    expect(
      s.step({ type: 'frame', at: 1, bytes: reply('192.0.2.2', '02:00:00:00:00:02', '192.0.2.99') }),
    ).toEqual([]);
    expect(s.step({ type: 'frame', at: 1, bytes: reply('192.0.2.77', '02:00:00:00:00:02') })).toEqual([]);
    expect(log.some((a) => a.type === 'conflict')).toBe(false);
  });

  it('whatever answers, every target is asked 1..attempts times and the scan ends once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.subarray(targets),
        fc.integer({ min: 0, max: 600 }),
        (attempts, answering, delay) => {
          const answers = Object.fromEntries(
            answering.map((t) => [t, [{ mac: `02:00:00:00:00:0${t.at(-1)}`, delay }]]),
          );
          const { log, asked, summary } = simulate({ targets, attempts, timeoutMs: 500 }, answers);
          expect(log.filter((a) => a.type === 'done')).toHaveLength(1);
          for (const t of targets) expect(asked.get(t)).toBeGreaterThanOrEqual(1);
          for (const t of targets) expect(asked.get(t)).toBeLessThanOrEqual(attempts);
          // A reply within the timeout always counts; a later one may still (a later pass asks again).
          if (delay < 500) expect(summary!.hosts.map((h) => h.ip).sort()).toEqual([...answering].sort());
        },
      ),
    );
  });

  it('stop ends the scan with what was found', () => {
    const s = new ScanSession({ ...me, targets });
    s.step({ type: 'start', at: 0 });
    expect(s.step({ type: 'stop', at: 1 })).toEqual([
      { type: 'done', summary: { targets: 4, sent: 1, hosts: [] } },
    ]);
  });
});
