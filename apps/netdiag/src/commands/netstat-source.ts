import type { NetlinkSockDiagSocket } from '@netdiag/probe-socket';
import { procNetSource, type SocketProtocol, type SocketSource, sockDiagSource } from '@netdiag/socket-list';
import { CliError, ExitCode } from '../cli-error.js';

/** Where sockets are read from: `netlink` (sock_diag, as ss), `proc` (/proc/net, as netstat), or the first that works. */
export type SourceChoice = 'auto' | 'netlink' | 'proc';

export interface SocketReader {
  readonly source: SocketSource;
  /** Why TCP and UDP come from /proc although netlink was wanted (auto only); absent otherwise. */
  readonly fallback?: string;
  close(): void;
}

/**
 * A whole dump of the kernel's sockets is one request; a machine with a million sockets takes
 * seconds, so the limit is generous: it is there for a kernel that never answers.
 */
const DUMP_TIMEOUT_MS = 60_000;

/**
 * Opens the socket source of one run (or of a live view's every refresh). TCP and UDP come over
 * NETLINK_SOCK_DIAG where the socket opens: the kernel hands over binary records instead of
 * printing a line per socket for us to parse, which is what makes ss fast. Raw and UNIX sockets
 * always come from /proc (sock_diag has no reference count for UNIX sockets, which netstat's
 * RefCnt column shows). The native addon is imported only here, so -x, -w and --source proc
 * never load it. `openSockDiag` is for tests (an opener that fails,
 * as where the addon is not built).
 */
export async function openSocketReader(
  choice: SourceChoice,
  protocols: readonly SocketProtocol[],
  openSockDiag?: () => Promise<NetlinkSockDiagSocket>,
): Promise<SocketReader> {
  const proc = procNetSource();
  const wantsNetlink = protocols.includes('tcp') || protocols.includes('udp');
  if (choice === 'proc' || !wantsNetlink) return { source: proc, close() {} };
  let socket: NetlinkSockDiagSocket;
  try {
    // The import can fail too: the addon's wrapper finds its build through its package, and a
    // copied bundle without node_modules has none. Either way /proc gives the same listing.
    socket = await (openSockDiag ?? (await import('@netdiag/probe-socket')).openNetlinkSockDiag)();
  } catch (err) {
    // One line: a failed module resolution appends its require stack.
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    if (choice === 'netlink')
      throw new CliError(`netstat: --source netlink: ${why}`, ExitCode.Error, { cause: err });
    return { source: proc, fallback: why, close() {} };
  }
  return {
    source: sockDiagSource(socket, proc, { timeoutMs: DUMP_TIMEOUT_MS }),
    close: () => socket.close(),
  };
}
