import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv6, isIpv4Text, parseIpv4, parseIpv6 } from './index.js';

// The reference is glibc's inet_pton, through Python: what it accepts we accept, to the same bytes.
function inetPton(texts: readonly string[], family: 'AF_INET' | 'AF_INET6' = 'AF_INET6'): (string | null)[] {
  const r = spawnSync(
    'python3',
    [
      '-c',
      [
        'import socket,sys',
        'for l in sys.stdin.read().split("\\n"):',
        `  try: print(socket.inet_pton(socket.${family}, l).hex())`,
        '  except OSError: print("-")',
      ].join('\n'),
    ],
    { input: texts.join('\n'), encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => (l === '-' ? null : l));
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : null);

// Valid texts in every spelling, and mutations of them (a character dropped, changed or doubled).
const valid = fc.oneof(
  fc.ipV6(),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b)),
  fc.tuple(fc.constantFrom('::', '::ffff:', '1::', '1:2:3:4:5:6:'), fc.ipV4()).map(([p, v4]) => p + v4),
);
const mutated = fc
  .tuple(valid, fc.nat(40), fc.constantFrom('', ':', '.', 'g', '0', '::', '1.2'))
  .map(([t, at, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + 1));

describe('parseIpv6', () => {
  it('accepts and decodes exactly what glibc inet_pton does', () => {
    const texts = fc
      .sample(fc.oneof(valid, mutated), { numRuns: 4000, seed: 4291 })
      .filter((t) => !t.includes('\n'));
    const expected = inetPton(texts);
    texts.forEach((t, i) => {
      expect(hex(parseIpv6(t)), t).toBe(expected[i]);
    });
  });

  it('keeps the IPv4-compatible and IPv4-mapped forms apart', () => {
    expect(hex(parseIpv6('::192.0.2.1'))).toBe('000000000000000000000000c0000201');
    expect(hex(parseIpv6('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
  });
});

describe('parseIpv4', () => {
  it('accepts and decodes exactly what glibc inet_pton does', () => {
    const part = fc.oneof(
      fc.nat(300).map(String),
      fc.constantFrom('0', '00', '01', '255', '256', '1000', ''),
    );
    const quads = fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join('.'));
    const mangled = fc
      .tuple(fc.oneof(quads, fc.ipV4()), fc.nat(20), fc.constantFrom('', '.', 'x', ' ', '0', '9', '-', '1.1'))
      .map(
        ([t, at, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + 1),
      );
    const texts = fc
      .sample(fc.oneof(fc.ipV4(), quads, mangled), { numRuns: 4000, seed: 791 })
      .filter((t) => !t.includes('\n'));
    const expected = inetPton(texts, 'AF_INET');
    expect(expected.filter((e) => e !== null).length).toBeGreaterThan(500);
    texts.forEach((t, i) => {
      expect(hex(parseIpv4(t)), t).toBe(expected[i]);
      expect(isIpv4Text(t), t).toBe(expected[i] !== null);
    });
  });

  it('takes the dotted quad only', () => {
    expect(parseIpv4('192.0.2.1')).toEqual(Uint8Array.of(192, 0, 2, 1));
    for (const t of ['1', '0x7f.1', '192.0.2', '192.0.2.256', '01.2.3.4', ' 192.0.2.1'])
      expect(parseIpv4(t)).toBeUndefined();
  });
});
