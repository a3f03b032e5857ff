import type { Interface } from '@netdiag/interface-stats';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli-error.js';
import {
  formatBitRate,
  formatInterface,
  openInterfaceReader,
  parseIfArgs,
  selectInterfaces,
  stringifyWithBigInt,
} from './if.js';

const veth: Interface = {
  name: 'veth0',
  index: 7,
  linkIndex: 6,
  flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
  flagBits: 0x11043,
  operState: 'up',
  mtu: 1500,
  linkType: 'ether',
  mac: '02:00:00:00:00:07',
  broadcast: 'ff:ff:ff:ff:ff:ff',
  speedMbps: 10000,
  duplex: 'full',
  addresses: [
    { family: 'inet', address: '192.0.2.1', prefixLength: 24, scope: 'global', label: 'veth0' },
    {
      family: 'inet6',
      address: '2001:db8::1',
      prefixLength: 64,
      scope: 'global',
      flags: ['nodad', 'permanent'],
    },
  ],
  ipv4Complete: true,
  counters: {
    rxBytes: 2n ** 60n + 1n,
    rxPackets: 3n,
    rxErrors: 0n,
    rxDropped: 0n,
    txBytes: 10n,
    txPackets: 1n,
    txErrors: 0n,
    txDropped: 4n,
  },
};

describe('netdiag if arguments', () => {
  it('defaults, and flags', () => {
    expect(parseIfArgs([])).toMatchObject({
      names: [],
      stats: false,
      intervalMs: 1000,
      historyLength: 60,
      json: false,
      once: false,
    });
    expect(parseIfArgs(['-s', '-i', '0.5', '--history', '30', '--json', 'eth0', 'lo'])).toMatchObject({
      names: ['eth0', 'lo'],
      stats: true,
      intervalMs: 500,
      historyLength: 30,
      json: true,
    });
  });

  it('refuses bad values in one line', () => {
    for (const bad of [
      ['-i', 'x'],
      ['-i', '0'],
      ['--history', '1'],
      ['--bogus'],
      ['a/b'],
      ['x'.repeat(16)],
    ]) {
      expect(() => parseIfArgs(bad)).toThrow(UsageError);
    }
  });
});

describe('netdiag if output', () => {
  it('prints ip-style lines with speed, duplex and counters', () => {
    expect(formatInterface(veth, { stats: true })).toEqual([
      '7: veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP ether 02:00:00:00:00:07 brd ff:ff:ff:ff:ff:ff speed 10Gb/s full duplex',
      '    inet  192.0.2.1/24 scope global veth0',
      '    inet6 2001:db8::1/64 scope global nodad',
      '    RX  bytes 1152921504606846977  packets 3  errors 0  dropped 0',
      '    TX  bytes 10  packets 1  errors 0  dropped 4',
    ]);
  });

  it('names IPv4 flags as ip does where the source knows them: secondary, dynamic', () => {
    const flagged: Interface = {
      ...veth,
      addresses: [
        {
          family: 'inet',
          address: '192.0.2.3',
          prefixLength: 24,
          scope: 'global',
          label: 'veth0:b',
          flags: ['secondary', 'permanent'],
        },
        {
          family: 'inet',
          address: '192.0.2.9',
          prefixLength: 24,
          scope: 'global',
          label: 'veth0',
          flags: ['secondary', 'noprefixroute'],
        },
      ],
    };
    expect(formatInterface(flagged, { stats: false }).slice(1)).toEqual([
      '    inet  192.0.2.3/24 scope global secondary veth0:b',
      '    inet  192.0.2.9/24 scope global secondary noprefixroute dynamic veth0',
    ]);
  });

  it('says IPv4 is not visible rather than showing none, when the source cannot see it', () => {
    const down: Interface = {
      ...veth,
      flags: ['BROADCAST', 'MULTICAST'],
      operState: 'down',
      addresses: [],
      ipv4Complete: false,
    };
    expect(formatInterface(down, { stats: false }).at(-1)).toMatch(/inet {2}\(not visible/);
  });

  it('escapes control characters in names', () => {
    expect(formatInterface({ ...veth, name: 'ev\u001b[2Jil' }, { stats: false })[0]).toContain(
      'ev\\x1b[2Jil',
    );
  });

  it('JSON keeps 64-bit counters exact and leaves look-alike strings alone', () => {
    const text = stringifyWithBigInt({ interfaces: [{ ...veth, name: '\\u0000bigint:5' }] });
    expect(text).toContain('"rxBytes":1152921504606846977');
    expect(JSON.parse(text).interfaces[0].name).toBe('\\u0000bigint:5');
  });

  it('bit rates with SI prefixes', () => {
    expect([0, 999, 1000, 1_234_567, 10e9].map(formatBitRate)).toEqual([
      '0 bit/s',
      '999 bit/s',
      '1.00 kbit/s',
      '1.23 Mbit/s',
      '10.0 Gbit/s',
    ]);
  });

  it('selects interfaces by name, in the order asked', () => {
    const lo = { ...veth, name: 'lo', index: 1 };
    expect(selectInterfaces([lo, veth], ['veth0', 'lo']).map((i) => i.name)).toEqual(['veth0', 'lo']);
    expect(() => selectInterfaces([lo], ['eth9'])).toThrow(/no interface named 'eth9'/);
  });
});

describe('netdiag if address sources', () => {
  /** What probe-socket throws where the native addon was not built. */
  const noAddon = async (): Promise<never> => {
    const { ProbeSocketError } = await import('@netdiag/probe-socket');
    throw new ProbeSocketError(
      'reading the kernel over netlink needs the native socket addon, which is unavailable: the addon was not built',
      'UNKNOWN',
      'socket',
    );
  };

  it('netlink where it opens; /proc and getifaddrs where not, saying why', async () => {
    const fallback = await openInterfaceReader(noAddon);
    const netlink = await openInterfaceReader();
    try {
      expect(fallback.fallback).toMatch(/the addon was not built$/);
      expect(netlink.fallback).toBeUndefined();
      // Same links either way; on this machine's up links the same addresses.
      const [a, b] = [await fallback.read(), await netlink.read()];
      expect(a.map((i) => i.name)).toEqual(b.map((i) => i.name));
      // (IPv4 flags only netlink knows.)
      const plain = (i: Interface) =>
        i.addresses.map((x) => [
          x.family,
          x.address,
          x.prefixLength,
          x.scope,
          x.family === 'inet' && x.label,
        ]);
      for (const i of a.filter((x) => x.ipv4Complete))
        expect(plain(i)).toEqual(plain(b.find((x) => x.name === i.name)!));
    } finally {
      fallback.close();
      netlink.close();
    }
  });
});
