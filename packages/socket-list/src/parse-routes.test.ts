import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { parseIpv4Routes, parseIpv6Routes } from './parse-routes.js';

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0                                                                               
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0                                                                               
*\t006433C6\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const IPV6_ROUTE = `20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db80000000000000000000000fe 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0
20010db8000200000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

describe('parseIpv4Routes', () => {
  it('reads destination/prefix, gateway, device, metric, flags and reject routes', () => {
    const { records, issues } = parseIpv4Routes(ROUTE, 'LE');
    expect(issues).toEqual([]);
    expect(
      records.map((r) => [r.destination, r.prefixLength, r.gateway, r.device, r.metric, r.type]),
    ).toEqual([
      ['0.0.0.0', 0, '192.0.2.1', 'eth0', 100, 'unicast'],
      ['192.0.2.0', 24, null, 'eth0', 0, 'unicast'],
      ['198.51.100.0', 24, null, '*', 0, 'unreachable'],
    ]);
  });

  it('reports a non-contiguous mask and short lines, and rejects a foreign header', () => {
    const bad = `${ROUTE}eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\neth0\t0002\n`;
    expect(parseIpv4Routes(bad, 'LE').issues.map((i) => i.line)).toEqual([5, 6]);
    expect(() => parseIpv4Routes('sl local_address\n', 'LE')).toThrow(SocketListError);
  });

  it('reads an empty file (no IPv4 route: the kernel writes not even the header) as an empty table', () => {
    expect(parseIpv4Routes('', 'LE')).toEqual({ records: [], issues: [] });
    expect(() => parseIpv4Routes('\n', 'LE')).toThrow(SocketListError);
  });
});

describe('parseIpv6Routes', () => {
  it('reads routes, types the local table and leaves out the kernel null entry', () => {
    const { records, issues } = parseIpv6Routes(IPV6_ROUTE);
    expect(issues).toEqual([]);
    expect(
      records.map((r) => [r.destination, r.prefixLength, r.gateway, r.device, r.metric, r.type, r.table]),
    ).toEqual([
      ['2001:db8::', 64, null, 'eth0', 256, 'unicast', 'main'],
      ['::', 0, '2001:db8::fe', 'eth0', 1024, 'unicast', 'main'],
      ['::1', 128, null, 'lo', 0, 'local', 'local'],
      ['ff00::', 8, null, 'eth0', 256, 'multicast', 'local'],
      ['2001:db8:2::', 48, null, 'lo', 1024, 'unreachable', 'main'],
    ]);
  });

  it('property: mutated lines never throw', () => {
    const lines = IPV6_ROUTE.trimEnd().split('\n');
    fc.assert(
      fc.property(
        fc.nat({ max: lines.length - 1 }),
        fc.nat(),
        fc.string({ maxLength: 5 }),
        fc.nat({ max: 6 }),
        (w, at, ins, del) => {
          const l = lines[w]!;
          const pos = at % (l.length + 1);
          const m = [...lines];
          m[w] = l.slice(0, pos) + ins + l.slice(pos + del);
          try {
            parseIpv6Routes(m.join('\n'));
            parseIpv4Routes(`${ROUTE}${m[w]}\n`, 'LE');
          } catch (err) {
            expect(err).toBeInstanceOf(SocketListError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
