import { formatIpv6, parseIpv6 } from '@netdiag/address';

// An IPv6 header's source address, 8 bytes in, as a capture would read it.
const header = new Uint8Array(40);
header.set(parseIpv6('2001:db8:0:0:1::1')!, 8);
console.log(formatIpv6(header, 8)); // 2001:db8::1:0:0:1 (of two equal zero runs, the first)

for (const text of ['::ffff:192.0.2.1', '::192.0.2.1', '2001:DB8::0:1', '1::2::3']) {
  const bytes = parseIpv6(text);
  console.log(text.padEnd(18), bytes ? formatIpv6(bytes) : 'not an IPv6 address');
}
