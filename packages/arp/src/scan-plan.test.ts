import { describe, expect, it } from 'vitest';
import { planScan } from './scan-plan.js';

const eth = { name: 'veth0', ipv4: [{ address: '192.0.2.1', prefixLength: 24 }] };

describe('planScan', () => {
  it('lists the subnet less network, broadcast and our own address', () => {
    const r = planScan('192.0.2.0/24', eth);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = [...r.plan.targets()];
    expect(t.length).toBe(253);
    expect(r.plan.count).toBe(253);
    expect(t[0]).toBe('192.0.2.2');
    expect(t.at(-1)).toBe('192.0.2.254');
    expect(t).not.toContain('192.0.2.1');
  });

  it('a host address inside the subnet, and a /31 with both addresses', () => {
    const one = planScan('192.0.2.77', eth);
    expect(one.ok && [...one.plan.targets()]).toEqual(['192.0.2.77']);
    const p2p = planScan('192.0.2.8/31', eth);
    expect(p2p.ok && [...p2p.plan.targets()]).toEqual(['192.0.2.8', '192.0.2.9']);
  });

  it('asks for --force above a /16 and --foreign outside the interface subnets', () => {
    const wide = { name: 'x', ipv4: [{ address: '198.18.0.1', prefixLength: 15 }] };
    expect(planScan('198.18.0.0/15', wide)).toMatchObject({ ok: false, error: { code: 'too-large' } });
    const forced = planScan('198.18.0.0/15', wide, { force: true });
    expect(forced.ok && forced.plan.count).toBe(2 ** 17 - 3);
    expect(planScan('198.51.100.0/24', eth)).toMatchObject({ ok: false, error: { code: 'outside-subnet' } });
    expect(planScan('192.0.0.0/22', eth)).toMatchObject({ ok: false, error: { code: 'outside-subnet' } });
    expect(planScan('198.51.100.0/24', eth, { allowForeign: true }).ok).toBe(true);
  });

  it('refuses what is not an IPv4 range', () => {
    for (const bad of ['2001:db8::/64', '192.0.2.0/33', 'lab', '0xc0.0.2.1/24', '']) {
      expect(planScan(bad, eth)).toMatchObject({ ok: false, error: { code: 'bad-cidr' } });
    }
  });
});
