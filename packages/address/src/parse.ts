// Text to bytes, by RFC 4291 section 2.2: eight hex groups, or fewer around one `::`, the last
// two of them optionally a dotted quad. Written here rather than taken from ipaddr.js because its
// parser reads the deprecated IPv4-compatible form `::a.b.c.d` as the IPv4-mapped
// `::ffff:a.b.c.d`, a different address (a ping to the one would go to the other).

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
 * else. A scan rather than a regular expression, which is compiled afresh in every process on its
 * first use: every trace and ping reads its target (and each probe's address) through this.
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
      const quad = last ? parseIpv4(part) : undefined;
      if (quad) out.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      else if (HEX_GROUP.test(part)) out.push(Number.parseInt(part, 16));
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

const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * 4 for a dotted-quad IPv4 address, 6 for an IPv6 address (a zone, `%eth0`, allowed), 0 for
 * anything else, as node:net's isIP answers; here so that a run given an address does not load
 * node:net (2 ms at start-up) to learn that it was given one.
 */
export function addressFamily(text: string): 0 | 4 | 6 {
  if (isIpv4Text(text)) return 4;
  const percent = text.indexOf('%');
  const address = percent < 0 ? text : text.slice(0, percent);
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return 0;
  return parseIpv6(address) ? 6 : 0;
}
