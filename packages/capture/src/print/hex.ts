import { HEX2 } from '../decode/bytes.js';

/**
 * Hex dumps are written as bytes into one scratch buffer and decoded once (latin1) per packet:
 * no string is built byte by byte, and each hex digit pair is a table lookup.
 */
let scratch = Buffer.allocUnsafe(1 << 16);
function room(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
  return scratch;
}

/** Character codes of each byte's two lowercase hex digits: HI[b], LO[b]. */
const HI = Uint8Array.from({ length: 256 }, (_, i) => HEX2[i]!.charCodeAt(0));
const LO = Uint8Array.from({ length: 256 }, (_, i) => HEX2[i]!.charCodeAt(1));
/** The printable-ASCII column of -X: bytes 0x21 to 0x7e as themselves, anything else a dot. */
const GRAPH = Uint8Array.from({ length: 256 }, (_, i) => (i >= 0x21 && i <= 0x7e ? i : 0x2e));
const SPACE = 0x20;

/** Writes `ident` + `0x%04x: ` at `at`; returns where it ends. */
function writeOffset(out: Buffer, at: number, ident: string, offset: number): number {
  let p = at;
  for (let k = 0; k < ident.length; k++) out[p++] = ident.charCodeAt(k);
  out[p++] = 0x30; // 0
  out[p++] = 0x78; // x
  const digits = offset > 0xffff ? offset.toString(16) : undefined;
  if (digits) for (let k = 0; k < digits.length; k++) out[p++] = digits.charCodeAt(k);
  else {
    out[p++] = HI[offset >> 8]!;
    out[p++] = LO[offset >> 8]!;
    out[p++] = HI[offset & 0xff]!;
    out[p++] = LO[offset & 0xff]!;
  }
  out[p++] = 0x3a; // :
  out[p++] = SPACE;
  return p;
}

/** tcpdump -x: `\n\t0x0000:  4500 0054 ...`, eight words a line. */
export function hexDump(b: Uint8Array, start: number, end: number, ident = '\n\t'): string {
  const n = Math.max(0, end - start);
  const out = room(((n >> 4) + 1) * (ident.length + 14 + 40));
  let p = 0;
  for (let o = 0; o < n; o += 2) {
    if ((o & 15) === 0) p = writeOffset(out, p, ident, o);
    const x = b[start + o]!;
    out[p++] = SPACE;
    out[p++] = HI[x]!;
    out[p++] = LO[x]!;
    if (o + 1 < n) {
      const y = b[start + o + 1]!;
      out[p++] = HI[y]!;
      out[p++] = LO[y]!;
    }
  }
  return out.toString('latin1', 0, p);
}

/** tcpdump -X: hex padded to 40 columns, two spaces, then the ASCII column. */
export function hexAsciiDump(b: Uint8Array, start: number, end: number): string {
  const n = Math.max(0, end - start);
  const out = room(((n >> 4) + 1) * 80);
  let p = 0;
  for (let o = 0; o < n; o += 16) {
    p = writeOffset(out, p, '\n\t', o);
    const stop = Math.min(n, o + 16);
    const hexStart = p;
    for (let k = o; k < stop; k += 2) {
      const x = b[start + k]!;
      out[p++] = SPACE;
      out[p++] = HI[x]!;
      out[p++] = LO[x]!;
      if (k + 1 < stop) {
        const y = b[start + k + 1]!;
        out[p++] = HI[y]!;
        out[p++] = LO[y]!;
      }
    }
    while (p - hexStart < 40) out[p++] = SPACE;
    out[p++] = SPACE;
    out[p++] = SPACE;
    for (let k = o; k < stop; k++) out[p++] = GRAPH[b[start + k]!]!;
  }
  return out.toString('latin1', 0, p);
}

/** tcpdump -A: a newline, then the bytes, with unprintable ones as dots and CRs before LF dropped. */
export function asciiDump(b: Uint8Array, start: number, end: number): string {
  let out = '\n';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 13) {
      // tcpdump: a CR is left out when fewer than two bytes follow or a LF follows; else a dot.
      if (end - i - 1 > 1 && b[i + 1] !== 10) out += '.';
    } else if ((c >= 0x21 && c <= 0x7e) || c === 9 || c === 32 || c === 10) out += String.fromCharCode(c);
    else out += '.';
  }
  return out;
}
