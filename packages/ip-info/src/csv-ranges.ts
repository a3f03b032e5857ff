import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Random access to bytes: a file read with pread, or a buffer in tests. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export interface CsvRange {
  readonly start: bigint;
  readonly end: bigint;
  /** The fields after start and end. */
  readonly fields: readonly string[];
}

const NEWLINE = 0x0a;
const CHUNK = 512;
const decoder = new TextDecoder();

/** A file opened for pread: nothing is read until a look-up asks. */
export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
    close: () => closeSync(fd),
  };
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Where the first line that begins at or after `position` begins, if one does. */
function lineStartFrom(src: ByteSource, position: number): number | undefined {
  if (position <= 0) return src.size > 0 ? 0 : undefined;
  for (let at = position - 1; at < src.size; at += CHUNK) {
    const chunk = src.read(at, CHUNK);
    const i = chunk.indexOf(NEWLINE);
    if (i >= 0) return at + i + 1 < src.size ? at + i + 1 : undefined;
  }
  return undefined;
}

function lineAt(src: ByteSource, start: number): string {
  const parts: Uint8Array[] = [];
  for (let at = start; at < src.size; at += CHUNK) {
    const chunk = src.read(at, CHUNK);
    const i = chunk.indexOf(NEWLINE);
    if (i >= 0) {
      parts.push(chunk.subarray(0, i));
      break;
    }
    parts.push(chunk);
  }
  return decoder.decode(Buffer.concat(parts)).replace(/\r$/, '');
}

/** One CSV record (RFC 4180 quoting), as the data sets write their network names. */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          text += line.slice(i);
          i = line.length;
          break;
        }
        text += line.slice(i, q);
        if (line[q + 1] === '"') {
          text += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(text);
      const comma = line.indexOf(',', i);
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

function startOf(line: string): bigint | undefined {
  const text = line.slice(0, line.indexOf(','));
  return /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/**
 * The range holding `value` in a CSV of `start,end,...` lines sorted by start, with start and
 * end as decimal numbers (ip-location-db's `-num` files). A binary search over byte offsets:
 * about 25 reads of 512 bytes for a 24 MB file, and nothing held in memory between look-ups.
 */
export function findRange(src: ByteSource, value: bigint): CsvRange | undefined {
  // The answer (the last line whose start <= value) begins in [lo, hi); lo is a line's start.
  let lo = 0;
  let hi = src.size;
  const first = lineStartFrom(src, 0);
  if (first === undefined) return undefined;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const at = lineStartFrom(src, mid);
    if (at === undefined || at >= hi) {
      hi = mid;
      continue;
    }
    const start = startOf(lineAt(src, at));
    if (start === undefined || start > value) hi = mid;
    else lo = at;
  }
  const [startText, endText, ...fields] = parseCsvLine(lineAt(src, lo));
  if (startText === undefined || endText === undefined || !/^\d+$/.test(startText) || !/^\d+$/.test(endText))
    return undefined;
  const start = BigInt(startText);
  const end = BigInt(endText);
  return start <= value && value <= end ? { start, end, fields } : undefined;
}
