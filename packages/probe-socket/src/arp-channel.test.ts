import { execFileSync } from 'node:child_process';
import { nativeAvailability } from '@netdiag/native-socket';
import { describe, expect, it } from 'vitest';
import { arpInterface, openArpChannel } from './arp-channel.js';
import { ProbeSocketError } from './errors.js';

/** A /sys/class/net of one interface, as text files. */
const sysfs =
  (files: Record<string, string>) =>
  (path: string): string => {
    const name = path.split('/').pop()!;
    const value = files[name];
    if (value === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return value;
  };
const veth = { ifindex: '7\n', type: '1\n', flags: '0x1003\n', address: '02:AB:cd:00:00:01\n' };

describe('the interface an ARP channel opens on', () => {
  it('reads index and MAC (lower case) of an Ethernet link', () => {
    expect(arpInterface('veth0', sysfs(veth))).toEqual({ ifindex: 7, mac: '02:ab:cd:00:00:01' });
  });

  it('refuses what arping calls not ARPable, and names that are not interface names', () => {
    const refused = (name: string, files: Record<string, string>) => {
      try {
        arpInterface(name, sysfs(files));
      } catch (err) {
        expect(err).toBeInstanceOf(ProbeSocketError);
        expect((err as ProbeSocketError).code).toBe('EINVAL');
        return (err as Error).message;
      }
      throw new Error(`${name} was accepted`);
    };
    expect(refused('lo', { ...veth, type: '772\n', address: '00:00:00:00:00:00\n' })).toBe(
      'lo is not an Ethernet interface: no ARP on it',
    );
    expect(refused('wg0', { ...veth, flags: '0x1091\n' })).toBe('wg0 does not use ARP (NOARP)');
    expect(refused('nosuch0', {})).toBe("no interface named 'nosuch0'");
    for (const bad of ['', '..', 'a/b', 'a b', 'x'.repeat(16)])
      expect(refused(bad, veth)).toMatch(/not an interface name/);
  });
});

describe.skipIf(!nativeAvailability().available)('openArpChannel on this machine', () => {
  it('refuses the loopback interface in one line, before any socket opens', async () => {
    await expect(openArpChannel('lo')).rejects.toThrow('lo is not an Ethernet interface: no ARP on it');
  });

  // The first Ethernet link that uses ARP here, if any (the lab tests cover the rest).
  const ether = (
    JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as {
      ifname: string;
      link_type: string;
      address: string;
      flags: string[];
    }[]
  ).find((l) => l.link_type === 'ether' && !l.flags.includes('NOARP'));

  it.skipIf(process.getuid?.() !== 0 || ether === undefined)(
    'opens on an Ethernet link with the MAC ip link shows',
    async () => {
      const channel = await openArpChannel(ether!.ifname);
      try {
        expect(channel.mac).toBe(ether!.address);
      } finally {
        channel.close();
      }
    },
  );
});
