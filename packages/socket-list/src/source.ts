import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type { ByteOrder } from './address.js';
import { errnoText, type ParseIssue, SocketListError } from './errors.js';
import type { InetColumns } from './inet-columns.js';
import { parseInetTable } from './parse-inet.js';
import { parseUnixTable } from './parse-unix.js';
import type { Family, InetProtocol, SocketProtocol, SocketRecord } from './types.js';

/** What to read. A source may return more than asked (the caller filters), never less. */
export interface SocketQuery {
  readonly protocols: ReadonlySet<SocketProtocol>;
  readonly families: ReadonlySet<Family>;
}

export interface SourceResult {
  readonly sockets: SocketRecord[];
  readonly issues: ParseIssue[];
}

/**
 * Where socket records come from. /proc/net is the one source today; a netlink sock_diag source
 * (the way ss reads, without formatting and parsing text) can implement the same interface and
 * be passed to listSockets. Owners are attached by listSockets, not by the source.
 */
export interface SocketSource {
  readonly name: string;
  read(query: SocketQuery): Promise<SourceResult>;
  /**
   * The TCP and UDP sockets of the query as columns (the fields of a netstat table, no record per
   * socket), where the source can give them so: sock_diag can; /proc cannot. null where this
   * source would take some of them from elsewhere (a protocol the kernel has no sock_diag module
   * for): read() them then. Raw and UNIX sockets in the query are not listed. The rows are in
   * the kernel's order (TCP's two families may come interleaved).
   */
  readColumns?(query: SocketQuery): Promise<ColumnsResult | null>;
}

export interface ColumnsResult {
  readonly columns: InetColumns;
  /** Messages too short to be a socket (each a row less), as SourceResult's issues. */
  readonly issues: ParseIssue[];
}

export interface ProcNetOptions {
  /** Directory of the tables: `/proc/net` (this process's namespace) or `/proc/PID/net` (PID's). */
  readonly netDir?: string;
  /** Reads one file as text; node:fs readFileSync by default. */
  readonly readFile?: (path: string) => string;
  readonly byteOrder?: ByteOrder;
}

/**
 * Reads a /proc file whole. /proc files report size 0 and the kernel hands out one page per
 * read(), so readFileSync would allocate a 64 KiB buffer for every 4 KiB page and concatenate
 * them at the end (at 50,000 sockets: 1,800 reads, 115 MB of short-lived buffers, then a copy).
 * One buffer that doubles when full makes the same reads with nothing else. Text is decoded as
 * UTF-8: ASCII but for UNIX socket paths.
 */
export function defaultReadFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let length = 0;
    for (;;) {
      if (buf.length - length < 65536) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buf.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads one /proc/net file, turning a missing file (IPv6 disabled, no raw support) into an issue
 * and anything else into SocketListError READ_FAILED.
 */
export function readNetFile(
  read: (path: string) => string,
  path: string,
  issues: ParseIssue[],
): string | null {
  try {
    return read(path);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (code === 'ENOENT') {
      issues.push({ source: path, line: 0, reason: 'not present (protocol disabled in this kernel)' });
      return null;
    }
    throw new SocketListError('READ_FAILED', `cannot read ${path}: ${errnoText(err)}`, { cause: err });
  }
}

/**
 * The /proc/net source: one read per table (each read is one pass of the kernel over its hash
 * table, so the file is read whole, in one call), parsed by index scanning. Reads are
 * synchronous on purpose: the kernel generates the text during the read() call, so the thread
 * pool would only add hops.
 */
export function procNetSource(options: ProcNetOptions = {}): SocketSource {
  const netDir = options.netDir ?? '/proc/net';
  const read = options.readFile ?? defaultReadFile;
  const byteOrder = options.byteOrder ?? endianness();
  return {
    name: `procfs:${netDir}`,
    read: async (query) => {
      const sockets: SocketRecord[] = [];
      const issues: ParseIssue[] = [];
      for (const protocol of ['tcp', 'udp', 'raw'] as const satisfies readonly InetProtocol[]) {
        if (!query.protocols.has(protocol)) continue;
        for (const family of [4, 6] as const) {
          if (!query.families.has(family)) continue;
          const text = readNetFile(read, `${netDir}/${protocol}${family === 6 ? '6' : ''}`, issues);
          if (text === null) continue;
          const t = parseInetTable(text, { protocol, family, byteOrder });
          for (const r of t.records) sockets.push(r);
          for (const x of t.issues) issues.push(x);
        }
      }
      if (query.protocols.has('unix')) {
        const text = readNetFile(read, `${netDir}/unix`, issues);
        if (text !== null) {
          const t = parseUnixTable(text);
          for (const r of t.records) sockets.push(r);
          for (const x of t.issues) issues.push(x);
        }
      }
      return { sockets, issues };
    },
  };
}
