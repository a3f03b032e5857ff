import { type ParseIssue, SocketListError } from './errors.js';
import type { ParsedTable } from './parse-inet.js';
import { forEachLine, headerOf, LineCursor } from './scan.js';
import type { UnixSocket, UnixSocketType, UnixState } from './types.js';

/** __SO_ACCEPTCON: the socket called listen(). */
const ACCEPTING = 1 << 16;
const TYPES: Readonly<Record<number, UnixSocketType>> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };
const STATES: Readonly<Record<number, UnixState>> = {
  1: 'UNCONNECTED',
  2: 'CONNECTING',
  3: 'CONNECTED',
  4: 'DISCONNECTING',
};

import { NO_OWNERS } from './inet-record.js';

/**
 * Parses /proc/net/unix (`Num RefCount Protocol Flags Type St Inode Path`). Pure. The path is
 * the rest of the line after one space, so paths with spaces survive; a path with a newline
 * splits its line and the fragment is reported in `issues`.
 */
export function parseUnixTable(text: string): ParsedTable<UnixSocket> {
  const header = headerOf(text);
  if (!/^Num\s+RefCount\s+Protocol\s+Flags\s+Type\s+St\s+Inode/.test(header)) {
    throw new SocketListError(
      'BAD_HEADER',
      `/proc/net/unix: not a UNIX socket table (header '${header.slice(0, 60)}')`,
    );
  }
  const records: UnixSocket[] = [];
  const issues: ParseIssue[] = [];
  const c = new LineCursor(text);
  forEachLine(text, (start, end, line) => {
    c.reset(start, end);
    c.hex(1, 16); // Num: the kernel address of the socket, hashed
    c.expect(58);
    c.expect(32);
    const refCount = c.hex(1, 8);
    c.expect(32);
    c.hex(1, 8); // Protocol: always 0
    c.expect(32);
    const flags = c.hex(1, 8);
    c.expect(32);
    const typeCode = c.hex(1, 4);
    c.expect(32);
    const st = c.hex(1, 2);
    c.skipSpaces();
    const inode = c.dec();
    let path: string | null = null;
    if (c.ok && !c.atEnd()) {
      c.expect(32);
      if (c.atEnd()) c.ok = false;
      else path = text.slice(c.i, end);
    }
    if (!c.ok) {
      issues.push({ source: 'unix', line, reason: `malformed field near column ${c.i - start + 1}` });
      return;
    }
    const state: UnixState = flags & ACCEPTING ? 'LISTEN' : (STATES[st] ?? 'UNKNOWN');
    records.push({
      protocol: 'unix',
      type: TYPES[typeCode] ?? 'unknown',
      state,
      refCount,
      path,
      inode,
      owners: NO_OWNERS,
    });
  });
  return { records, issues };
}
