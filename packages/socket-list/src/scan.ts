/**
 * A cursor over one line of a /proc table. Fields are read by index scanning, not regex or split,
 * so that a 50,000-line table costs one pass and no per-field strings. Every read returns -1 (or
 * leaves `ok` false) on bad input; callers turn that into a skipped line, never a throw.
 */
export class LineCursor {
  i = 0;
  end = 0;
  ok = true;
  constructor(readonly text: string) {}

  /** Positions the cursor on the line [start, end). */
  reset(start: number, end: number): void {
    this.i = start;
    this.end = end;
    this.ok = true;
  }

  skipSpaces(): void {
    const t = this.text;
    while (this.i < this.end && t.charCodeAt(this.i) === 32) this.i++;
  }

  /** Expects one character; marks the line bad if it is not there. */
  expect(ch: number): void {
    if (this.i < this.end && this.text.charCodeAt(this.i) === ch) this.i++;
    else this.ok = false;
  }

  /** Reads hex digits (at least `min`, at most `max`) as a number; precision is lost beyond 13 digits. */
  hex(min: number, max: number): number {
    const t = this.text;
    const start = this.i;
    let v = 0;
    while (this.i < this.end && this.i - start < max) {
      const d = hexDigit(t.charCodeAt(this.i));
      if (d < 0) break;
      v = v * 16 + d;
      this.i++;
    }
    if (this.i - start < min) {
      this.ok = false;
      return -1;
    }
    return v;
  }

  /** Reads an unsigned decimal number of at most 20 digits. */
  dec(): number {
    const t = this.text;
    const start = this.i;
    let v = 0;
    while (this.i < this.end && this.i - start < 20) {
      const c = t.charCodeAt(this.i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      this.i++;
    }
    if (this.i === start) {
      this.ok = false;
      return -1;
    }
    return v;
  }

  /** Reads a possibly negative decimal number (counters such as Tcp MaxConn are -1). */
  signedDec(): number {
    if (this.i < this.end && this.text.charCodeAt(this.i) === 45) {
      this.i++;
      const v = this.dec();
      return this.ok ? -v : v;
    }
    return this.dec();
  }

  /** Skips one field of non-space characters. */
  skipField(): void {
    const t = this.text;
    const start = this.i;
    while (this.i < this.end && t.charCodeAt(this.i) !== 32) this.i++;
    if (this.i === start) this.ok = false;
  }

  atEnd(): boolean {
    return this.i >= this.end;
  }
}

export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Calls `fn(start, end, lineNumber)` for each line after the first (the header), without splitting the text. */
export function forEachLine(text: string, fn: (start: number, end: number, line: number) => void): void {
  let start = text.indexOf('\n');
  if (start < 0) return;
  start++;
  let line = 2;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    // Blank lines (a trailing newline, a truncated read) carry nothing.
    if (end > start) fn(start, end, line);
    start = end + 1;
    line++;
  }
}

/** The header line (without its newline). */
export function headerOf(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
