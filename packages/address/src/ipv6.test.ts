import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatIpv6, formatIpv6Groups } from './index.js';

// The reference is glibc's inet_ntop itself, reached through Python's socket module: the text
// the peer tools print is the text we must print.
function inetNtop(addresses: readonly Uint8Array[]): string[] {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import socket,sys\nfor l in sys.stdin: print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(l.strip())))',
    ],
    { input: addresses.map((a) => Buffer.from(a).toString('hex')).join('\n'), encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

// Addresses with long and short zero runs, ties between runs, and the embedded-IPv4 prefixes.
const group = fc.oneof(
  fc.constant(0),
  fc.constant(0),
  fc.constant(0xffff),
  fc.integer({ min: 0, max: 0xffff }),
);
const groups = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }),
  fc
    .tuple(
      fc.constantFrom(0, 0xffff),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }),
    )
    .map(([sixth, hi, lo]) => [0, 0, 0, 0, 0, sixth, hi, lo]),
);
const toBytes = (g: readonly number[]) => Uint8Array.from(g.flatMap((x) => [x >>> 8, x & 255]));

describe('formatIpv6', () => {
  it('writes what glibc inet_ntop writes, for random and structured addresses', () => {
    const samples = fc.sample(groups, { numRuns: 3000, seed: 5952 });
    const expected = inetNtop(samples.map(toBytes));
    samples.forEach((g, i) => {
      expect(formatIpv6Groups(g), g.join(',')).toBe(expected[i]);
      // The byte form at an offset inside a larger buffer, as in a packet.
      const packet = new Uint8Array(24).fill(0xaa);
      packet.set(toBytes(g), 8);
      expect(formatIpv6(packet, 8)).toBe(expected[i]);
    });
  });

  it('writes the forms people read every day', () => {
    const text = (hex: string) => formatIpv6(Buffer.from(hex, 'hex'));
    expect(text('00000000000000000000000000000000')).toBe('::');
    expect(text('00000000000000000000000000000001')).toBe('::1');
    expect(text('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(text('20010db8000100000001000000000001')).toBe('2001:db8:1:0:1::1');
    expect(text('00000000000000000000ffffc0000201')).toBe('::ffff:192.0.2.1');
    expect(text('000000000000000000000000c0000201')).toBe('::192.0.2.1');
    expect(text('fe800000000000000000000000000000')).toBe('fe80::');
  });

  it('is total: any 16 bytes give text that parses back to them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIpv6(bytes);
        expect(text).toMatch(/^[0-9a-f:.]+$/);
        const hostname = (address: string) => new URL(`http://[${address}]/`).hostname;
        expect(hostname(text)).toBe(hostname(uncompressed(bytes)));
      }),
    );
  });
});

/** The uncompressed hex form, which the WHATWG URL parser normalises as it does ours. */
function uncompressed(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < 16; i += 2) out.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return out.join(':');
}

describe('formatIpv4', () => {
  it('writes the dotted quad at an offset', () => {
    expect(formatIpv4(Uint8Array.of(9, 192, 0, 2, 1), 1)).toBe('192.0.2.1');
    expect(formatIpv4([255, 255, 255, 255])).toBe('255.255.255.255');
  });
});
