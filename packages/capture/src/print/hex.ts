import { HEX2 } from '../decode/bytes.js';

/** The printable-ASCII column of -X: bytes 0x21 to 0x7e as themselves, anything else a dot. */
const GRAPH: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i >= 0x21 && i <= 0x7e ? String.fromCharCode(i) : '.',
);
/** " hhhh" for every pair of bytes: one lookup per 16-bit word. */
const WORD: string[] = [];
function word(a: number, b: number): string {
  const i = (a << 8) | b;
  let s = WORD[i];
  if (s === undefined) {
    s = ` ${HEX2[a]}${HEX2[b]}`;
    WORD[i] = s;
  }
  return s;
}
const OFFSET: string[] = [];
function offsetText(o: number, ident = '\n\t'): string {
  if (ident !== '\n\t') return `${ident}0x${o.toString(16).padStart(4, '0')}: `;
  let s = OFFSET[o >> 4];
  if (s === undefined) {
    s = `\n\t0x${o.toString(16).padStart(4, '0')}: `;
    if (o < 0x100000) OFFSET[o >> 4] = s;
  }
  return s;
}

/** tcpdump -x: `\n\t0x0000:  4500 0054 ...`, eight words a line. */
export function hexDump(b: Uint8Array, start: number, end: number, ident = '\n\t'): string {
  let out = '';
  let line = '';
  let o = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    if ((o & 15) === 0) {
      out += line;
      line = offsetText(o, ident);
    }
    line += word(b[i]!, b[i + 1]!);
    o += 2;
  }
  if (i < end) {
    if ((o & 15) === 0) {
      out += line;
      line = offsetText(o, ident);
    }
    line += ` ${HEX2[b[i]!]}`;
  }
  return out + line;
}

const PAD = ' '.repeat(41);

/** tcpdump -X: hex padded to 40 columns, two spaces, then the ASCII column. */
export function hexAsciiDump(b: Uint8Array, start: number, end: number): string {
  let out = '';
  let o = 0;
  for (let i = start; i < end; i += 16, o += 16) {
    const stop = Math.min(end, i + 16);
    let hex = '';
    let text = '';
    let j = i;
    for (; j + 1 < stop; j += 2) {
      hex += word(b[j]!, b[j + 1]!);
      text += GRAPH[b[j]!]! + GRAPH[b[j + 1]!]!;
    }
    if (j < stop) {
      hex += ` ${HEX2[b[j]!]}`;
      text += GRAPH[b[j]!]!;
    }
    out += `${offsetText(o)}${hex.length < 40 ? hex + PAD.slice(0, 40 - hex.length) : hex}  ${text}`;
  }
  return out;
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
