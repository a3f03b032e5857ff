import { readFileSync } from 'node:fs';
import {
  decodeNetlinkMessages,
  NetlinkDecodeError,
  recordedNetlinkSocket as replaying,
} from '@netdiag/interface-stats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../test/support/arbitraries.js';
import { decodeRtmNeigh, netlinkNeighbourSource } from './rtm-neigh.js';

/**
 * netlink-neigh.json: an RTM_GETNEIGH dump (packages/interface-stats/scripts/capture-netlink.ts)
 * with `ip -j neigh` of the same moment: reachable IPv4 and IPv6 neighbours, an incomplete
 * entry, a permanent and a stale static one, an IPv6 router, and a proxy entry (not listed).
 */
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/netlink-neigh.json', import.meta.url), 'utf8'),
) as {
  neigh: string[];
  links: Record<string, string>;
  ipNeigh: { dst: string; dev: string; lladdr?: string; state: string[]; router?: null }[];
};
const datagrams = fixture.neigh.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

describe('the netlink neighbour source', () => {
  it('equals ip -j neigh of the same moment: IPv4 and IPv6, exact states, routers', async () => {
    const names = new Map(Object.entries(fixture.links).map(([k, v]) => [Number(k), v]));
    const table = await netlinkNeighbourSource(replaying(datagrams), () => names).read();
    expect(table.exactStates).toBe(true);
    expect(table.missing).toEqual([]);
    const ours = table.neighbours.map((n) => ({
      dst: n.address,
      dev: n.interface,
      lladdr: n.mac ?? null,
      state: n.state,
      router: n.router === true,
    }));
    const theirs = fixture.ipNeigh.map((n) => ({
      dst: n.dst,
      dev: n.dev,
      lladdr: n.lladdr ?? null,
      state: n.state[0]!.toLowerCase(),
      router: 'router' in n,
    }));
    expect(ours).toEqual(theirs);
    expect(new Set(ours.map((n) => n.state))).toEqual(
      new Set(['reachable', 'stale', 'incomplete', 'permanent']),
    );
    expect(ours.some((n) => n.dst.includes(':'))).toBe(true);
  });

  it('random and mutated datagrams fail only with NetlinkDecodeError', () => {
    const broken = mutated(fc.constantFrom(...datagrams));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), broken), (bytes) => {
        try {
          for (const m of decodeNetlinkMessages(bytes)) decodeRtmNeigh(m);
        } catch (err) {
          expect(err).toBeInstanceOf(NetlinkDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
