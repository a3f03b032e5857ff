// Text to bytes, by RFC 4291 section 2.2: eight hex groups, or fewer around one `::`, the last
// two of them optionally a dotted quad. Written here rather than taken from ipaddr.js because its
// parser reads the deprecated IPv4-compatible form `::a.b.c.d` as the IPv4-mapped
// `::ffff:a.b.c.d`, a different address (a ping to the one would go to the other).

const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** True for a dotted-quad IPv4 address (no legacy forms such as `1` or `0x7f.1`). */
export function isIpv4Text(text: string): boolean {
  return scanIpv4(text, undefined);
}

/** The four bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  return scanIpv4(text, bytes) ? bytes : undefined;
}

/**
 * Reads a dotted quad as inet_pton does: four decimal parts of 0 to 255, no leading zero, nothing
 * else. A scan rather than DOTTED_QUAD because a RegExp is compiled afresh in every process on its
 * first use, and every trace and ping reads its target (and each probe's address) through this.
 */
function scanIpv4(text: string, out: Uint8Array | undefined): boolean {
  const DOT = 46;
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    // The end of the text closes the last part as a dot closes the others.
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || part === 4) return false;
      if (out) out[part] = value;
      part++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  return part === 4;
}

/** The 16 bytes of an IPv6 address in RFC 4291 text (no zone), or undefined. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((half, h) => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && DOTTED_QUAD.test(part)) {
        const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (HEX_GROUP.test(part)) out.push(Number.parseInt(part, 16));
      else return undefined;
    }
    return out;
  });
  if (groups.includes(undefined)) return undefined;
  const [head, tail = []] = groups as number[][];
  const count = head!.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head!, ...Array<number>(8 - count).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, g] of all.entries()) {
    bytes[2 * i] = g >>> 8;
    bytes[2 * i + 1] = g & 255;
  }
  return bytes;
}
