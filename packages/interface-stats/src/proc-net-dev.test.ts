import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcNetDevParseError, parseProcNetDev } from './proc-net-dev.js';

const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    7081      69    0    0    0     0          0         0     7081      69    0    0    0     0       0          0
vfa:web: 18446744073709551615 5 1 2 0 0 0 0 1000 7 3 4 0 0 0 0
  eth0: 12345678901 9000 0 0 0 0 0 0 42 1 0 0 0 0 0 0
`;

describe('parseProcNetDev', () => {
  it('reads the eight counters per interface, exactly, names with colons included', () => {
    const m = parseProcNetDev(text);
    expect([...m.keys()]).toEqual(['lo', 'vfa:web', 'eth0']);
    expect(m.get('vfa:web')).toEqual({
      rxBytes: 18446744073709551615n,
      rxPackets: 5n,
      rxErrors: 1n,
      rxDropped: 2n,
      txBytes: 1000n,
      txPackets: 7n,
      txErrors: 3n,
      txDropped: 4n,
    });
    expect(m.get('eth0')!.rxBytes).toBe(12345678901n);
  });

  it('fails only with ProcNetDevParseError on random or mutated text', () => {
    const mutated = fc
      .tuple(fc.nat(text.length - 1), fc.string({ maxLength: 4 }))
      .map(([at, s]) => text.slice(0, at) + s + text.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated), (t) => {
        try {
          for (const c of parseProcNetDev(t).values()) expect(c.rxBytes >= 0n).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ProcNetDevParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
