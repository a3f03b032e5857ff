import fc from 'fast-check';

// Arbitraries every package's codec and parser tests share (they import this file by path: test
// helpers are no package's public face).

/** Flips, truncates or extends valid bytes: the mutations a broken or hostile sender makes. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([bytes, flips, cut, tail]) => {
      const out = bytes.slice();
      for (const [at, value] of flips) if (out.length) out[at % out.length] = value;
      const truncated = out.subarray(0, out.length ? cut % (out.length + 1) : 0);
      return cut % 3 === 0 ? Uint8Array.from([...truncated, ...tail]) : truncated.slice();
    });
}
