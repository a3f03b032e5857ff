// Resolve names against a DNS server without touching the Internet.
// Run: node --import tsx packages/dns-client/examples/resolve.ts [SERVER[:PORT]]
// Without SERVER it starts knotd (Debian package `knot`) on loopback with the test zone
// netdiag.test and stops it afterwards.
import { randomInt } from 'node:crypto';
import { Resolver, rdataText, resolve } from '@netdiag/dns-client';
import { standardZones, startKnot } from '../../../test/dns/knot.js';

const given = process.argv[2];
const knot = given
  ? undefined
  : await startKnot(standardZones(), { address: '127.0.0.1', port: randomInt(20000, 60000) });
const server = given ?? `${knot!.address}:${knot!.port}`;
try {
  // One-shot, typed: `a` is RecordOf<'A'>[], so `.address` is known to exist.
  const a = await resolve('www.netdiag.test', 'A', { servers: [server], timeoutMs: 2000 });
  console.log(
    'A',
    a.map((r) => r.address),
  );

  // A Resolver keeps a TTL-aware cache and shares identical queries in flight: what a
  // traceroute uses to name its hops.
  const resolver = new Resolver({ servers: [server], timeoutMs: 2000 });
  const [names, again] = await Promise.all([resolver.reverse('192.0.2.10'), resolver.reverse('192.0.2.10')]);
  console.log('PTR 192.0.2.10', names, again);

  for (const r of await resolver.resolve('netdiag.test', 'HTTPS'))
    console.log('HTTPS', r.priority, r.target, rdataText(r));
  for (const r of await resolver.resolve('ctl.netdiag.test', 'TXT'))
    console.log('TXT (escaped as dig does)', rdataText(r));
} finally {
  await knot?.stop();
}
