// Random numbers for probe identifiers, flow ports, payload cookies and DNS query IDs, read from
// the kernel's /dev/urandom. Why not node:crypto: loading it takes 2.7 ms on Node 20 here and
// 5.4 ms on Node 24 (`require` timed in a bare script), longer than a whole traceroute run in the
// lab, for a few bytes per run. Where /dev/urandom cannot be read (a chroot without /dev),
// node:crypto serves instead. Here, in the package every other one already imports, so that the
// probers and the DNS client draw from one pool without the DNS client depending on sockets.
import { closeSync, openSync, readSync } from 'node:fs';

const POOL_BYTES = 256;
let pool = new Uint8Array(0);
let used = 0;

/** `n` bytes from the kernel's CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    if (used === pool.length) refill();
    const take = Math.min(n - i, pool.length - used);
    out.set(pool.subarray(used, used + take), i);
    used += take;
    i += take;
  }
  return out;
}

/** A uniform integer in [min, max), as crypto.randomInt: by rejection, never by modulo bias. */
export function randomInt(min: number, max: number): number {
  const range = max - min;
  if (!Number.isInteger(min) || !Number.isInteger(max) || range < 1 || range > 2 ** 32)
    throw new RangeError(`randomInt: need integers min < max within 2^32, got ${min}, ${max}`);
  // The largest multiple of `range` that fits in 32 bits: draws at or above it are redrawn.
  const limit = 2 ** 32 - (2 ** 32 % range);
  for (;;) {
    const b = randomBytes(4);
    const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (x < limit) return min + (x % range);
  }
}

function refill(): void {
  pool = new Uint8Array(POOL_BYTES);
  used = 0;
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      let filled = 0;
      while (filled < POOL_BYTES) {
        const got = readSync(fd, pool, filled, POOL_BYTES - filled, null);
        if (got <= 0) throw new Error('short read from /dev/urandom');
        filled += got;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    const crypto = process.getBuiltinModule('node:crypto');
    crypto.randomFillSync(pool);
  }
}
