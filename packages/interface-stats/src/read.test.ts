import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RecordedSystem, recordedSystem } from './fixture-system.js';
import { comparableFromInterface, comparableFromIpJson } from './ip-json.js';
import { readInterfaces, readLinks } from './read.js';

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as RecordedSystem;

describe('readInterfaces over a recorded namespace', () => {
  // namespace.json: lo, a veth pair up with an IPv4 alias label and a nodad IPv6 address, and a
  // veth that is UP without carrier (its peer is down), with IPv4 and tentative IPv6 addresses.
  const rec = load('namespace');

  it('equals ip -j addr, except IPv4 where getifaddrs cannot see it (and says so)', async () => {
    const ifs = await readInterfaces({ system: recordedSystem(rec) });
    expect(ifs.map((i) => i.name)).toEqual(rec.ipAddr.map((e) => e.ifname));
    for (const [k, i] of ifs.entries()) {
      const ip = comparableFromIpJson(rec.ipAddr[k]!);
      const ours = comparableFromInterface(i);
      if (i.ipv4Complete) expect(ours).toEqual(ip);
      else expect(ours).toEqual({ ...ip, addr_info: ip.addr_info.filter((a) => a.family !== 'inet') });
    }
    const vdown = ifs.find((i) => i.name === 'vdown')!;
    expect(vdown.ipv4Complete).toBe(false);
    expect(vdown.flags).toContain('NO-CARRIER');
    expect(ifs.find((i) => i.name === 'vfa')!.ipv4Complete).toBe(true);
  });

  it('equals ip -j link for every link, and reads counters from /proc/net/dev', async () => {
    const links = readLinks(recordedSystem(rec));
    expect(
      links.map((l) => ({ ...comparableFromInterface({ ...l, addresses: [], ipv4Complete: true }) })),
    ).toEqual(rec.ipLink.map((e) => comparableFromIpJson(e)));
    const ifs = await readInterfaces({ system: recordedSystem(rec) });
    // ping to its own address goes over lo: lo counted the echo requests and replies.
    expect(ifs.find((i) => i.name === 'lo')!.counters!.rxPackets).toBeGreaterThanOrEqual(6n);
    expect(ifs.find((i) => i.name === 'vfa')!.linkIndex).toBe(ifs.find((i) => i.name === 'vfb')!.index);
  });

  it('a new namespace: lo down, no addresses, complete for IPv6 and not for IPv4', async () => {
    const fresh = load('fresh-namespace');
    const [lo, ...rest] = await readInterfaces({ system: recordedSystem(fresh) });
    expect(rest).toEqual([]);
    expect(comparableFromInterface(lo!)).toEqual(comparableFromIpJson(fresh.ipAddr[0]!));
    expect(lo!.ipv4Complete).toBe(false);
  });

  it('skips a link that vanished between the listing and the reads', () => {
    const sys = recordedSystem(load('namespace'));
    const links = readLinks({ ...sys, listDir: (p) => [...sys.listDir(p), 'gone0'] });
    expect(links.map((l) => l.name)).not.toContain('gone0');
  });
});
