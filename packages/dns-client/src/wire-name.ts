import { DnsError } from './errors.js';
import { escapeLabel } from './escape.js';

/**
 * Uncompressed wire-format names (RFC 1035 3.1), for the fields that must not be compressed
 * (SVCB TargetName, RFC 9460 2.2). Presentation text is dig's, with escapes.
 */

export function decodeWireName(buf: Uint8Array, offset: number): { value: string; bytesRead: number } {
  const labels: string[] = [];
  let at = offset;
  let total = 0;
  for (;;) {
    const len = buf[at];
    if (len === undefined) throw new DnsError('MALFORMED', 'name runs past the end of the data');
    at++;
    if (len === 0) break;
    if (len > 63)
      throw new DnsError('MALFORMED', 'compressed or invalid label where an uncompressed name is required');
    if (at + len > buf.length) throw new DnsError('MALFORMED', 'label runs past the end of the data');
    total += len + 1;
    if (total > 254) throw new DnsError('MALFORMED', 'name longer than 255 bytes');
    labels.push(escapeLabel(buf.subarray(at, at + len)));
    at += len;
  }
  return { value: labels.length === 0 ? '.' : `${labels.join('.')}.`, bytesRead: at - offset };
}

/** Splits presentation text into label bytes, honouring `\.` and `\DDD` escapes. */
export function parseNameLabels(text: string): Uint8Array[] {
  if (text === '.' || text === '') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new DnsError('BAD_INPUT', `bad escape \\${d} in name`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < bytes.length) {
        cur.push(bytes[++i]!);
      } else throw new DnsError('BAD_INPUT', 'name ends with a lone backslash');
    } else if (b === 0x2e) {
      if (cur.length === 0) throw new DnsError('BAD_INPUT', `empty label in '${text}'`);
      labels.push(Uint8Array.from(cur));
      cur = [];
    } else cur.push(b);
  }
  if (cur.length > 0) labels.push(Uint8Array.from(cur));
  for (const l of labels)
    if (l.length > 63) throw new DnsError('BAD_INPUT', 'a label is longer than 63 bytes');
  if (labels.reduce((n, l) => n + l.length + 1, 1) > 255)
    throw new DnsError('BAD_INPUT', 'name longer than 255 bytes');
  return labels;
}

export function encodeWireName(text: string): Uint8Array {
  const labels = parseNameLabels(text);
  const out = new Uint8Array(labels.reduce((n, l) => n + l.length + 1, 1));
  let at = 0;
  for (const l of labels) {
    out[at++] = l.length;
    out.set(l, at);
    at += l.length;
  }
  out[at] = 0;
  return out;
}
