import type { IcmpError } from './icmp-message.js';

// The wording iputils ping uses, so that people and scripts that know ping read us the same.
const V4_UNREACHABLE = [
  'Destination Net Unreachable',
  'Destination Host Unreachable',
  'Destination Protocol Unreachable',
  'Destination Port Unreachable',
  'Frag needed and DF set',
  'Source Route Failed',
  'Destination Net Unknown',
  'Destination Host Unknown',
  'Source Host Isolated',
  'Destination Net Prohibited',
  'Destination Host Prohibited',
  'Destination Net Unreachable for Type of Service',
  'Destination Host Unreachable for Type of Service',
  'Packet filtered',
  'Precedence Violation',
  'Precedence Cutoff',
];
const V6_UNREACHABLE = [
  'Destination unreachable: No route',
  'Destination unreachable: Administratively prohibited',
  'Destination unreachable: Beyond scope of source address',
  'Destination unreachable: Address unreachable',
  'Destination unreachable: Port unreachable',
  'Destination unreachable: Source address failed ingress/egress policy',
  'Destination unreachable: Reject route to destination',
];

/** A one-line description of an ICMP error, in iputils ping's words. */
export function describeIcmpError(family: 4 | 6, m: IcmpError): string {
  switch (m.kind) {
    case 'destination-unreachable': {
      const table = family === 4 ? V4_UNREACHABLE : V6_UNREACHABLE;
      const text = table[m.code] ?? `Destination unreachable, code ${m.code}`;
      return family === 4 && m.code === 4 ? `${text} (mtu = ${m.nextHopMtu})` : text;
    }
    case 'time-exceeded':
      if (family === 6) return m.code === 0 ? 'Time exceeded: Hop limit' : `Time exceeded: code ${m.code}`;
      return m.code === 0
        ? 'Time to live exceeded'
        : m.code === 1
          ? 'Frag reassembly time exceeded'
          : `Time exceeded, code ${m.code}`;
    case 'parameter-problem':
      return `Parameter problem: pointer = ${m.pointer}`;
    case 'packet-too-big':
      return `Packet too big: mtu=${m.mtu}`;
  }
}
