// Query IDs (RFC 5452) and the first server of a rotation must be numbers an off-path attacker
// cannot guess: the kernel's CSPRNG, read from /dev/urandom 256 bytes at a time. Not node:crypto:
// loading it is 5 ms of a lookup's start on Node 24 (a first randomInt in a fresh process), as
// much as the rest of a lookup to a local server.
import { closeSync, openSync, readSync } from 'node:fs';

const pool = Buffer.alloc(256);
let next = pool.length;

function refill(): void {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    for (let n = 0; n < pool.length; ) n += readSync(fd, pool, n, pool.length - n, null);
  } catch {
    // No /dev/urandom to read (a chroot without /dev): node:crypto's generator, then.
    process.getBuiltinModule('node:crypto').randomFillSync(pool);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  next = 0;
}

/** A uniformly random 16-bit number from the kernel's CSPRNG. */
export function randomUint16(): number {
  if (next + 2 > pool.length) refill();
  const v = pool.readUInt16LE(next);
  next += 2;
  return v;
}

/** Uniform in [0, n), 1 ≤ n ≤ 65536: rejection sampling, so no value is likelier than another. */
export function randomBelow(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 0x10000)
    throw new RangeError(`randomBelow: n must be 1 to 65536, not ${n}`);
  const limit = 0x10000 - (0x10000 % n);
  for (;;) {
    const v = randomUint16();
    if (v < limit) return v % n;
  }
}
