import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterDelta, mergeCounters, parseSnmp6, parseSnmpPairs } from './parse-counters.js';

const SNMP = `Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 12345
Tcp: RtoAlgorithm RtoMin MaxConn ActiveOpens
Tcp: 1 200 -1 7
Udp: InDatagrams NoPorts
Udp: 10 2
`;
const SNMP6 = `Ip6InReceives                   	100
Icmp6InMsgs                     	3
Udp6InDatagrams                 	9
UdpLite6InErrors                	0
`;

describe('counters', () => {
  it('reads name/value line pairs, negative values included', () => {
    const { counters, issues } = parseSnmpPairs(SNMP, 'snmp');
    expect(issues).toEqual([]);
    expect(counters).toEqual({
      Ip: { Forwarding: 1, DefaultTTL: 64, InReceives: 12345 },
      Tcp: { RtoAlgorithm: 1, RtoMin: 200, MaxConn: -1, ActiveOpens: 7 },
      Udp: { InDatagrams: 10, NoPorts: 2 },
    });
  });

  it('reads snmp6 into groups', () => {
    expect(parseSnmp6(SNMP6).counters).toEqual({
      Ip6: { InReceives: 100 },
      Icmp6: { InMsgs: 3 },
      Udp6: { InDatagrams: 9 },
      UdpLite6: { InErrors: 0 },
    });
  });

  it('reports a pair whose lengths differ', () => {
    const { counters, issues } = parseSnmpPairs(SNMP.replace('Udp: 10 2', 'Udp: 10'), 'snmp');
    expect(counters.Udp).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ line: 6 })]);
  });

  it('subtracts and merges', () => {
    const a = parseSnmpPairs(SNMP, 'snmp').counters;
    const b = parseSnmpPairs(SNMP.replace('Udp: 10 2', 'Udp: 15 2'), 'snmp').counters;
    expect(counterDelta(a, b).Udp).toEqual({ InDatagrams: 5, NoPorts: 0 });
    expect(Object.keys(mergeCounters(a, parseSnmp6(SNMP6).counters))).toEqual([
      'Ip',
      'Tcp',
      'Udp',
      'Ip6',
      'Icmp6',
      'Udp6',
      'UdpLite6',
    ]);
  });

  it('property: random text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => {
        parseSnmpPairs(t, 'x');
        parseSnmp6(t);
      }),
    );
  });
});
