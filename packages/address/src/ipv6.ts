// One text form for IPv6 addresses across netdiag, the one glibc's inet_ntop writes, because that
// is what ping, traceroute, ss, ip and tcpdump print beside us: RFC 5952's compression (lower
// case, the longest run of two or more zero groups as `::`, the first on a tie), and the last
// 32 bits as a dotted quad for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d)
// addresses. ipaddr.js's toRFC5952String writes the mapped form in hex (::ffff:c000:201).

// Scratch for the byte form: the formatter is synchronous, so one array serves every call.
const scratch = new Uint16Array(8);

/** inet_ntop's text of the 16 bytes at `offset` (network order). */
export function formatIpv6(bytes: ArrayLike<number>, offset = 0): string {
  for (let i = 0; i < 8; i++) scratch[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  return formatIpv6Groups(scratch);
}

/** inet_ntop's text of eight 16-bit groups, most significant first. */
export function formatIpv6Groups(groups: ArrayLike<number>): string {
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > runLength) {
      runStart = i;
      runLength = j - i;
    }
    i = j;
  }
  // A lone zero group is written as 0, not compressed.
  if (runLength < 2) runStart = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === runStart) {
      text += '::';
      i += runLength - 1;
      continue;
    }
    if (i === 6 && runStart === 0 && (runLength === 6 || (runLength === 5 && groups[5] === 0xffff))) {
      const hi = groups[6]!;
      const lo = groups[7]!;
      return `${text}${hi >>> 8}.${hi & 255}.${lo >>> 8}.${lo & 255}`;
    }
    // No colon after the last group, nor before the run's `::`.
    text += i === 7 || i + 1 === runStart ? groups[i]!.toString(16) : `${groups[i]!.toString(16)}:`;
  }
  return text;
}
