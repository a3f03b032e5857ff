import { describe, expect, it } from 'vitest';
import { IcmpEngine } from './icmp-engine.js';
import { type IcmpTargetSpec, RING } from './icmp-target.js';

const MS = 1e6;
const spec = (address: string, extra: Partial<IcmpTargetSpec> = {}): IcmpTargetSpec => ({
  host: address,
  address,
  family: 4,
  intervalMs: 1000,
  count: 1,
  timeoutMs: 500,
  size: 56,
  ...extra,
});
const many = (n: number) => Array.from({ length: n }, (_, i) => spec(`198.18.${i >> 8}.${i & 0xff}`));

/** Runs the engine from `from` to `to` in steps, sending what is due at each step. */
function run(
  engine: IcmpEngine,
  from: number,
  to: number,
  step: number,
  onSend?: (t: number, s: unknown) => void,
) {
  const sends: { at: number; address: string; seq: number; slot: number }[] = [];
  for (let now = from; now <= to; now += step) {
    engine.expire(now);
    for (const d of engine.due(now)) {
      d.target.restamp(d.seq, now);
      sends.push({ at: now, address: d.target.spec.address, seq: d.seq, slot: d.target.slot });
      onSend?.(now, d);
    }
  }
  return sends;
}

describe('IcmpEngine schedule', () => {
  it('spreads 1,000 targets evenly over the interval, never a burst', () => {
    const engine = new IcmpEngine();
    engine.setTargets(many(1000), 0);
    const sends = run(engine, 0, 999 * MS, MS);
    expect(sends).toHaveLength(1000);
    const perMs = new Map<number, number>();
    for (const s of sends) perMs.set(s.at, (perMs.get(s.at) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBe(1);
    // every target exactly once in its first second
    expect(new Set(sends.map((s) => s.address)).size).toBe(1000);
  });

  it('keeps each target on a fixed grid: a late wake-up is measured, not carried forward', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    const at: number[] = [];
    for (const now of [0, 1003 * MS, 2000 * MS, 3000 * MS]) {
      for (const d of engine.due(now)) {
        d.target.restamp(d.seq, now);
        at.push(now);
      }
    }
    expect(at).toEqual([0, 1003 * MS, 2000 * MS, 3000 * MS]);
    expect(engine.schedulingDelay.count).toBe(4);
    expect(engine.schedulingDelay.sum).toBeCloseTo(0.003, 9);
  });

  it('skips slots the agent slept through instead of sending them at once', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    engine.due(0);
    engine.expire(5500 * MS);
    const late = engine.due(5500 * MS);
    expect(late).toHaveLength(1);
    expect(engine.counters.skippedSends).toBe(4);
    expect(engine.nextWakeup()).toBe(6000 * MS);
  });

  it('count per interval divides the period', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1', { count: 4 })], 0);
    expect(run(engine, 0, 999 * MS, MS).map((s) => s.at / MS)).toEqual([0, 250, 500, 750]);
  });
});

describe('IcmpEngine accounting', () => {
  const setup = () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    const [d] = engine.due(0);
    d!.target.restamp(d!.seq, 0);
    return { engine, target: d!.target, seq: d!.seq };
  };

  it('a reply in time is a response with its RTT in the histogram', () => {
    const { engine, target, seq } = setup();
    expect(engine.reply(target.slot, '192.0.2.1', seq, 0.25 * MS, 63)).toBe('response');
    expect(target.responses).toBe(1);
    expect(target.rtt.sum).toBeCloseTo(0.00025, 12);
    expect(target.rtt.counts[3]).toBe(1); // le=0.0004
    expect(target.lastTtl).toBe(63);
  });

  it('a second reply is a duplicate, not a second response', () => {
    const { engine, target, seq } = setup();
    engine.reply(target.slot, '192.0.2.1', seq, MS, 64);
    expect(engine.reply(target.slot, '192.0.2.1', seq, 2 * MS, 64)).toBe('duplicate');
    expect(target.responses).toBe(1);
    expect(target.duplicates).toBe(1);
  });

  it('after the timeout the request is lost, and a reply then is late', () => {
    const { engine, target, seq } = setup();
    expect(engine.nextWakeup()).toBe(500 * MS);
    expect(engine.expire(500 * MS)).toBe(1);
    expect(target.timeouts).toBe(1);
    expect(engine.reply(target.slot, '192.0.2.1', seq, 700 * MS, 64)).toBe('late');
    expect(target.late).toBe(1);
    expect(target.responses).toBe(0);
    expect(target.rtt.count).toBe(0);
    expect(engine.reply(target.slot, '192.0.2.1', seq, 800 * MS, 64)).toBe('duplicate');
  });

  it('judges lateness by the kernel timestamp even when read before the timer ran', () => {
    const { engine, target, seq } = setup();
    expect(engine.reply(target.slot, '192.0.2.1', seq, 600 * MS, 64)).toBe('late');
    expect(engine.expire(600 * MS)).toBe(0);
    expect(target.timeouts).toBe(0);
    expect(target.late).toBe(1);
  });

  it('a reply that beats its send completion is timed from the real send time', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    const [d] = engine.due(0);
    expect(engine.reply(d!.target.slot, '192.0.2.1', d!.seq, 1 * MS, 64)).toBe('response');
    d!.target.restamp(d!.seq, 0.4 * MS);
    expect(d!.target.responses).toBe(1);
    expect(d!.target.rtt.sum).toBeCloseTo(0.0006, 12);
  });

  it('a reply from another address, slot or an unknown sequence is unmatched', () => {
    const { engine, target, seq } = setup();
    expect(engine.reply(target.slot, '192.0.2.99', seq, MS, 64)).toBe('unmatched');
    expect(engine.reply(target.slot + 1, '192.0.2.1', seq, MS, 64)).toBe('unmatched');
    expect(engine.reply(target.slot, '192.0.2.1', seq + 5, MS, 64)).toBe('unmatched');
    expect(engine.counters.unmatchedReplies).toBe(3);
  });

  it('a failed send is an error, neither a response nor a loss', () => {
    const { engine, target, seq } = setup();
    target.sendFailed(seq);
    engine.expire(10_000 * MS);
    expect(target.sendErrors).toBe(1);
    expect(target.timeouts).toBe(0);
  });

  it('memory per target is bounded: a request pushed out of the ring unanswered is counted lost', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1', { timeoutMs: 1e9 })], 0);
    run(engine, 0, (RING + 9) * 1000 * MS, 1000 * MS);
    const target = [...engine.targets][0]!;
    expect(target.sent).toBe(RING + 10);
    expect(target.timeouts).toBe(10);
    expect(target.inFlight).toBe(RING);
  });

  it('matches across the 16-bit sequence wrap', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1', { intervalMs: 1, timeoutMs: 0.5 })], 0);
    const target = [...engine.targets][0]!;
    let responses = 0;
    run(engine, 0, 70_000 * MS, MS, (now, d) => {
      const { seq } = d as { seq: number };
      if (engine.reply(target.slot, '192.0.2.1', seq & 0xffff, now + 0.1 * MS, 64) === 'response')
        responses++;
    });
    expect(target.sent).toBe(70_001);
    expect(responses).toBe(70_001);
    expect(target.responses).toBe(70_001);
  });
});

describe('IcmpEngine reload', () => {
  it('keeps unchanged targets with their counters, adds and removes others', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1'), spec('192.0.2.2')], 0);
    run(engine, 0, 2999 * MS, MS);
    const kept = [...engine.targets].find((t) => t.spec.address === '192.0.2.1')!;
    expect(kept.sent).toBe(3);
    const result = engine.setTargets([spec('192.0.2.1'), spec('192.0.2.3')], 3000 * MS);
    expect(result).toEqual({ added: 1, removed: 1, kept: 1 });
    const sends = run(engine, 3000 * MS, 4999 * MS, MS);
    expect(new Set(sends.map((s) => s.address))).toEqual(new Set(['192.0.2.1', '192.0.2.3']));
    expect(kept.sent).toBe(5);
    expect(engine.size).toBe(2);
  });

  it('a changed spec is a new target (fresh counters)', () => {
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    run(engine, 0, 999 * MS, MS);
    engine.setTargets([spec('192.0.2.1', { size: 100 })], 1000 * MS);
    expect([...engine.targets][0]!.sent).toBe(0);
  });

  it("a removed target's late events leave the new target in its slot alone", () => {
    // All targets' rings share typed arrays by slot, and a removed target's slot is reused.
    const engine = new IcmpEngine();
    engine.setTargets([spec('192.0.2.1')], 0);
    const [old] = engine.due(0);
    engine.setTargets([spec('192.0.2.3')], 1 * MS); // slots are freed after new ones are taken
    engine.setTargets([spec('192.0.2.2')], 1 * MS);
    const fresh = [...engine.targets][0]!;
    expect(fresh.slot).toBe(old!.target.slot);
    const [first] = engine.due(1000 * MS);
    expect(first!.seq).toBe(old!.seq); // the same entry of the same slot
    // The removed target's send completes now, after the new one's was queued.
    old!.target.restamp(old!.seq, 0);
    old!.target.sendFailed(old!.seq);
    fresh.restamp(first!.seq, 1001 * MS);
    expect(engine.reply(fresh.slot, '192.0.2.2', first!.seq, 1002 * MS, 64)).toBe('response');
    expect(fresh.rtt.sum).toBeCloseTo(0.001, 9);
    expect(fresh.sendErrors).toBe(0);
  });
});
