import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { icmpTargetPlan, type ResolveAll } from './targets.js';

/** A resolver that knows a few names, with TTLs, and remembers what it was asked. */
function fakeResolver(): ResolveAll & { asked: string[] } {
  const asked: string[] = [];
  const names: Record<string, { address: string; family: 4 | 6; ttl?: number }[]> = {
    'two.example': [
      { address: '192.0.2.1', family: 4, ttl: 30 },
      { address: '192.0.2.2', family: 4, ttl: 20 },
    ],
    'hosts.example': [{ address: '192.0.2.9', family: 4 }],
  };
  const resolve = async (name: string, family: 4 | 6 | undefined) => {
    asked.push(`${name}/${family ?? 'any'}`);
    return (names[name] ?? []).filter((a) => family === undefined || a.family === family);
  };
  return Object.assign(resolve, { asked });
}

describe('icmpTargetPlan', () => {
  it("probes a name's first address, or every one with all_addresses, one ip label each", async () => {
    const config = parseConfig(['targets:', '  - hosts: [two.example, 198.51.100.1]'].join('\n'));
    const plan = await icmpTargetPlan(config, fakeResolver());
    expect(plan.specs.map((s) => [s.host, s.address])).toEqual([
      ['two.example', '192.0.2.1'],
      ['198.51.100.1', '198.51.100.1'],
    ]);
    const all = parseConfig('targets:\n  - hosts: [two.example]\n    all_addresses: true\n');
    const both = await icmpTargetPlan(all, fakeResolver());
    expect(both.specs.map((s) => [s.host, s.address])).toEqual([
      ['two.example', '192.0.2.1'],
      ['two.example', '192.0.2.2'],
    ]);
  });

  it('asks again when the soonest TTL of the addresses in use runs out; never for addresses or TTL-less names', async () => {
    const first = parseConfig('targets:\n  - hosts: [two.example]\n');
    expect((await icmpTargetPlan(first, fakeResolver())).refreshInMs).toBe(30_000);
    const all = parseConfig('targets:\n  - hosts: [two.example]\n    all_addresses: true\n');
    expect((await icmpTargetPlan(all, fakeResolver())).refreshInMs).toBe(20_000);
    const none = parseConfig('targets:\n  - hosts: [hosts.example, 192.0.2.7]\n');
    expect((await icmpTargetPlan(none, fakeResolver())).refreshInMs).toBeUndefined();
  });

  it('a name without an address of the network is an error naming it', async () => {
    const config = parseConfig('targets:\n  - hosts: [two.example]\n    network: ip6\n');
    await expect(icmpTargetPlan(config, fakeResolver())).rejects.toThrow('two.example: no address');
  });
});
