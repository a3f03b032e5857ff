import { constants } from 'node:os';
import { type ParseIssue, SocketListError } from './errors.js';
import {
  AddressCache,
  encodeSockDiagDump,
  readSockDiagDatagram,
  type SockDiagProtocol,
} from './sock-diag.js';
import type { SocketQuery, SocketSource } from './source.js';
import type { Family, SocketProtocol, SocketRecord } from './types.js';

/**
 * A NETLINK_SOCK_DIAG socket connected to the kernel, as the source needs it: send a message,
 * hear every datagram. `openNetlinkSockDiag()` of @netdiag/probe-socket gives one (this package
 * opens no socket itself); tests can replay recorded datagrams.
 */
export interface SockDiagSocket {
  send(message: Uint8Array): Promise<unknown>;
  onMessage(listener: (datagram: Uint8Array) => void): () => void;
}

export interface SockDiagOptions {
  /**
   * How long one dump may take (default 30 s). A machine with a million sockets needs seconds;
   * the limit is for a kernel that never answers.
   */
  readonly timeoutMs?: number;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const ENOENT = constants.errno.ENOENT;

type DumpResult = { readonly kind: 'listed' } | { readonly kind: 'refused'; readonly errno: number };

/**
 * A SocketSource over NETLINK_SOCK_DIAG for TCP and UDP, IPv4 and IPv6; raw and UNIX sockets come
 * from `rest` (the /proc source), and so does a protocol whose sock_diag module this kernel lacks
 * (ENOENT: udp_diag is a module of its own). The records equal /proc's field by field (a test
 * holds the two together on live sockets). Pass it to listSockets as `source`:
 * `sockDiagSource(await openNetlinkSockDiag(), procNetSource())`.
 */
export function sockDiagSource(
  socket: SockDiagSocket,
  rest: SocketSource,
  options: SockDiagOptions = {},
): SocketSource {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Sequence numbers only tell this source's dumps from others' on a shared socket.
  let seq = (Date.now() & 0x7fffffff) >>> 0;

  /** One dump: its sockets into `out` as the datagrams arrive, so no message outlives its datagram. */
  function dump(
    protocol: SockDiagProtocol,
    family: Family,
    out: SocketRecord[],
    issues: ParseIssue[],
  ): Promise<DumpResult> {
    seq = (seq + 1) >>> 0;
    const mine = seq;
    const name = `sock_diag ${protocol}${family === 6 ? '6' : ''}`;
    const addresses = new AddressCache();
    const index = { count: 0 };
    return new Promise((resolve, reject) => {
      let stop = () => {};
      const finish = (end: () => void) => {
        clearTimeout(timer);
        stop();
        end();
      };
      const timer = setTimeout(
        () => finish(() => reject(failure(name, `no answer within ${timeoutMs} ms`))),
        timeoutMs,
      );
      stop = socket.onMessage((datagram) => {
        const end = readSockDiagDatagram(datagram, mine, protocol, addresses, out, issues, index, name);
        if (end.kind === 'more') return;
        if (end.kind === 'done') finish(() => resolve({ kind: 'listed' }));
        else if (end.kind === 'malformed')
          finish(() => reject(failure(name, `malformed answer: ${end.reason}`)));
        else if (end.errno === ENOENT) finish(() => resolve({ kind: 'refused', errno: end.errno }));
        else finish(() => reject(failure(name, ERRNO_NAMES.get(end.errno) ?? `errno ${end.errno}`)));
      });
      socket
        .send(encodeSockDiagDump(protocol, family, mine))
        .catch((err: unknown) =>
          finish(() => reject(failure(name, err instanceof Error ? err.message : String(err), err))),
        );
    });
  }

  return {
    name: `sock_diag+${rest.name}`,
    read: async (query: SocketQuery) => {
      const sockets: SocketRecord[] = [];
      const issues: ParseIssue[] = [];
      const fromRest: { protocols: Set<SocketProtocol>; families: Set<Family> }[] = [];
      for (const protocol of ['tcp', 'udp'] as const) {
        if (!query.protocols.has(protocol)) continue;
        for (const family of [4, 6] as const) {
          if (!query.families.has(family)) continue;
          const r = await dump(protocol, family, sockets, issues);
          if (r.kind === 'refused')
            fromRest.push({ protocols: new Set([protocol]), families: new Set([family]) });
        }
      }
      const others = new Set([...query.protocols].filter((p) => p === 'raw' || p === 'unix'));
      if (others.size > 0) fromRest.push({ protocols: others, families: new Set(query.families) });
      for (const q of fromRest) {
        const r = await rest.read(q);
        for (const s of r.sockets) sockets.push(s);
        for (const x of r.issues) issues.push(x);
      }
      return { sockets, issues };
    },
  };
}

function failure(name: string, why: string, cause?: unknown): SocketListError {
  return new SocketListError('READ_FAILED', `${name}: ${why}`, cause === undefined ? {} : { cause });
}
