import { describe, expect, it } from 'vitest';
import { ProbeTracker } from './probe-tracker.js';

const ms = (n: number) => BigInt(n) * 1_000_000n;

describe('ProbeTracker', () => {
  it('matches replies by sequence, in any order', () => {
    const t = new ProbeTracker(ms(1000), ms(5000));
    t.sent(1, ms(0));
    t.sent(2, ms(10));
    t.sent(3, ms(20));
    expect(t.reply(3, ms(25))).toEqual({ kind: 'reply', rttNs: ms(5) });
    expect(t.reply(1, ms(40))).toEqual({ kind: 'reply', rttNs: ms(40) });
    expect(t.inFlight).toBe(1);
    expect(t.reply(2, ms(50))).toEqual({ kind: 'reply', rttNs: ms(40) });
    expect(t.inFlight).toBe(0);
  });

  it('calls a second reply to the same request a duplicate', () => {
    const t = new ProbeTracker(ms(1000), ms(5000));
    t.sent(7, ms(0));
    expect(t.reply(7, ms(3)).kind).toBe('reply');
    expect(t.reply(7, ms(4))).toEqual({ kind: 'duplicate', rttNs: ms(4) });
  });

  it('times out silent requests in send order, and calls a reply after that late', () => {
    const t = new ProbeTracker(ms(100), ms(1000));
    t.sent(1, ms(0));
    t.sent(2, ms(50));
    expect(t.nextDeadline()).toBe(ms(100));
    expect(t.expire(ms(99))).toEqual([]);
    expect(t.expire(ms(100))).toEqual([1]);
    expect(t.nextDeadline()).toBe(ms(150));
    expect(t.reply(1, ms(120))).toEqual({ kind: 'late', rttNs: ms(120) });
    expect(t.expire(ms(200))).toEqual([2]);
    expect(t.inFlight).toBe(0);
  });

  it('treats a reply past its deadline as late even before expire() ran (a busy event loop)', () => {
    const t = new ProbeTracker(ms(100), ms(1000));
    t.sent(1, ms(0));
    expect(t.reply(1, ms(150)).kind).toBe('late');
    expect(t.expire(ms(150))).toEqual([]);
  });

  it('settles a request with an ICMP error once, and ignores replies after it', () => {
    const t = new ProbeTracker(ms(100), ms(1000));
    t.sent(1, ms(0));
    expect(t.error(1)).toEqual({ kind: 'error' });
    expect(t.error(1)).toEqual({ kind: 'unmatched' });
    expect(t.reply(1, ms(5))).toEqual({ kind: 'unmatched' });
    expect(t.expire(ms(500))).toEqual([]);
  });

  it('ignores replies to sequences it never sent', () => {
    const t = new ProbeTracker(ms(100), ms(1000));
    expect(t.reply(9, ms(1))).toEqual({ kind: 'unmatched' });
  });

  it('moves a send time and its deadline when the socket layer restamps it', () => {
    const t = new ProbeTracker(ms(100), ms(1000));
    t.sent(1, ms(0));
    t.restamp(1, ms(2));
    expect(t.nextDeadline()).toBe(ms(102));
    expect(t.reply(1, ms(12))).toEqual({ kind: 'reply', rttNs: ms(10) });
  });

  it('forgets settled records after the late window, so memory stays bounded on long runs', () => {
    const t = new ProbeTracker(ms(100), ms(200));
    for (let i = 0; i < 100_000; i++) {
      const seq = i & 0xffff;
      t.sent(seq, ms(i));
      t.reply(seq, ms(i) + 50_000n);
      if (i % 100 === 0) t.expire(ms(i));
    }
    // Alive: sent within the last timeout + late window (300 ms at one per ms) plus one expiry step.
    expect(t.size).toBeLessThanOrEqual(400);
  });

  it('reuses a wrapped sequence number for a new request', () => {
    const t = new ProbeTracker(ms(100), ms(100));
    t.sent(0, ms(0));
    t.sent(0, ms(1000));
    expect(t.inFlight).toBe(1);
    expect(t.reply(0, ms(1001))).toEqual({ kind: 'reply', rttNs: ms(1) });
  });
});

describe('ProbeTracker under a steady stream', () => {
  it('forgets answered requests as new ones go out, even if expire() never runs', () => {
    // At 1 ms intervals with every request answered at once, the expiry timer is re-armed on
    // each send and never fires: records must still be dropped after their late window.
    const t = new ProbeTracker(ms(2000), ms(10_000));
    for (let i = 0; i < 60_000; i++) {
      t.sent(i & 0xffff, ms(i));
      t.reply(i & 0xffff, ms(i) + 100_000n);
    }
    expect(t.size).toBeLessThanOrEqual(12_001);
    expect(t.inFlight).toBe(0);
  });
});
