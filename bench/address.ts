// Benchmark: @netdiag/address beside ipaddr.js (the library it replaced in icmp and the socket
// layer) on the same 100,000 addresses, in this process: text from bytes (every packet capture
// and netstat prints, per address) and bytes from text. Prints operations per second and ratios.
// Run: node --import tsx bench/address.ts [rounds]
// Both run in-process: the bench runs itself once per Node line (a child each, one after the
// other, bench/lib/measure.ts: lines) and prints their rows in one table.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatIpv6, parseIpv6 } from '@netdiag/address';
import ipaddr from 'ipaddr.js';
import { lines } from './lib/measure.js';

const rounds = Number(process.argv[2] ?? 5);
const COUNT = 100_000;

if (process.env.NETDIAG_BENCH_CHILD === undefined) {
  console.log(`${COUNT.toLocaleString('en')} IPv6 addresses, best of ${rounds} rounds, per Node line`);
  console.log('operation                   netdiag (ms)  ipaddr.js (ms)  ipaddr.js / netdiag');
  for (const { major, node } of lines) {
    const r = spawnSync(node, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      encoding: 'utf8',
      env: { ...process.env, NETDIAG_BENCH_CHILD: '1' },
    });
    if (r.status !== 0) throw new Error(`Node ${major}: ${r.stderr}`);
    for (const [name, ours, theirs] of JSON.parse(r.stdout) as [string, number, number][])
      console.log(
        `${`${name} (${major})`.padEnd(27)} ${ours.toFixed(1).padStart(12)}  ${theirs.toFixed(1).padStart(14)}  ${(theirs / ours).toFixed(2).padStart(19)}`,
      );
  }
  process.exit(0);
}
// A mix like a capture's: documentation prefixes, link-local, mapped IPv4, random.
let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed & 255;
};
const addresses = Array.from({ length: COUNT }, (_, i) => {
  const b = new Uint8Array(16);
  for (let k = 0; k < 16; k++) b[k] = random();
  if (i % 4 === 0) b.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0], 0);
  if (i % 4 === 1) b.set([0xfe, 0x80, 0, 0, 0, 0, 0, 0], 0);
  if (i % 4 === 2) b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0);
  return b;
});
const texts = addresses.map((b) => formatIpv6(b));

function best(work: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return fastest;
}

let sink = 0;
const rows: [string, number, number][] = [
  [
    'text from 16 bytes',
    best(() => {
      for (const b of addresses) sink += formatIpv6(b).length;
    }),
    best(() => {
      for (const b of addresses)
        sink += (ipaddr.fromByteArray(Array.from(b)) as ipaddr.IPv6).toRFC5952String().length;
    }),
  ],
  [
    'bytes from text',
    best(() => {
      for (const t of texts) sink += parseIpv6(t)![15]!;
    }),
    best(() => {
      for (const t of texts) sink += ipaddr.IPv6.parse(t).toByteArray()[15]!;
    }),
  ],
];
// `sink` keeps the work from being optimised away; it never reaches zero.
console.log(JSON.stringify(sink === 0 ? [] : rows));
