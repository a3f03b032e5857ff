import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coarseState } from './neighbour.js';
import { ProcNetArpParseError, parseProcNetArp } from './proc-net-arp.js';

const text = `IP address       HW type     Flags       HW address            Mask     Device
192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
192.0.2.7        0x1         0x0         00:00:00:00:00:00     *        eth0
192.0.2.8        0x1         0x6         02:AA:bb:cc:dd:ee     *        veth-a
192.0.2.50       0x1         0xc         00:00:00:00:00:00     *        eth0
`;

describe('parseProcNetArp', () => {
  it('reads entries with their folded state, MAC and device', () => {
    expect(parseProcNetArp(text)).toEqual([
      {
        family: 'inet',
        address: '192.0.2.1',
        interface: 'eth0',
        mac: '02:fc:00:00:00:05',
        state: 'resolved',
      },
      { family: 'inet', address: '192.0.2.7', interface: 'eth0', state: 'unresolved' },
      {
        family: 'inet',
        address: '192.0.2.8',
        interface: 'veth-a',
        mac: '02:aa:bb:cc:dd:ee',
        state: 'permanent',
      },
      { family: 'inet', address: '192.0.2.50', interface: 'eth0', state: 'permanent', proxy: true },
    ]);
  });

  it('an empty table is the header alone', () => {
    expect(parseProcNetArp(text.split('\n')[0]!)).toEqual([]);
  });

  it('fails only with ProcNetArpParseError on random or mutated text', () => {
    const mutated = fc
      .tuple(fc.nat(text.length - 1), fc.string({ maxLength: 3 }))
      .map(([at, s]) => text.slice(0, at) + s + text.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated), (t) => {
        try {
          parseProcNetArp(t);
        } catch (err) {
          expect(err).toBeInstanceOf(ProcNetArpParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('folds netlink NUD states as the kernel folds them into /proc/net/arp', () => {
    expect(['reachable', 'stale', 'delay', 'probe'].map((s) => coarseState(s as 'stale'))).toEqual(
      Array(4).fill('resolved'),
    );
    expect(coarseState('failed')).toBe('unresolved');
    expect(coarseState('incomplete')).toBe('unresolved');
  });
});
