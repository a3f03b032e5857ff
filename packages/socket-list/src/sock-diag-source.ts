import { constants } from 'node:os';
import { type ParseIssue, SocketListError } from './errors.js';
import { InetColumns } from './inet-columns.js';
import {
  AddressCache,
  type DatagramEnd,
  encodeSockDiagDump,
  encodeTcpDiagDump,
  readSockDiagColumns,
  readSockDiagDatagram,
  type SockDiagProtocol,
} from './sock-diag.js';
import type { SocketQuery, SocketSource } from './source.js';
import type { Family, InetSocket, SocketProtocol, SocketRecord } from './types.js';

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
 * holds the two together on live sockets), in the same order: TCP then UDP, IPv4 then IPv6 of
 * each. Pass it to listSockets as `source`:
 * `sockDiagSource(await openNetlinkSockDiag(), procNetSource())`.
 */
export function sockDiagSource(
  socket: SockDiagSocket,
  rest: SocketSource,
  options: SockDiagOptions = {},
): SocketSource & Required<Pick<SocketSource, 'readColumns'>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Sequence numbers only tell this source's dumps from others' on a shared socket.
  let seq = (Date.now() & 0x7fffffff) >>> 0;

  /**
   * One dump: `request(seq)` sent, then each datagram of the answer to `read(datagram, seq)` as it
   * arrives, so no message outlives its datagram. Refusals for which `refused(errno)` holds
   * resolve as such; other errors reject.
   */
  function dump(
    name: string,
    request: (seq: number) => Uint8Array,
    read: (datagram: Uint8Array, seq: number) => DatagramEnd,
    refused: (errno: number) => boolean,
  ): Promise<DumpResult> {
    seq = (seq + 1) >>> 0;
    const mine = seq;
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
        const end = read(datagram, mine);
        if (end.kind === 'more') return;
        if (end.kind === 'done') finish(() => resolve({ kind: 'listed' }));
        else if (end.kind === 'malformed')
          finish(() => reject(failure(name, `malformed answer: ${end.reason}`)));
        else if (refused(end.errno)) finish(() => resolve({ kind: 'refused', errno: end.errno }));
        else finish(() => reject(failure(name, ERRNO_NAMES.get(end.errno) ?? `errno ${end.errno}`)));
      });
      socket
        .send(request(mine))
        .catch((err: unknown) =>
          finish(() => reject(failure(name, err instanceof Error ? err.message : String(err), err))),
        );
    });
  }

  const noModule = (errno: number) => errno === ENOENT;
  const anyErrno = () => true;

  /**
   * The sockets of one protocol and the families asked for, each through `into` (which decodes
   * a datagram of dump `seq` named `name`). TCP of both families is one dump (encodeTcpDiagDump),
   * where the kernel takes it; `fresh()` then starts the sink anew should it refuse that request
   * part way, before the dump per family. `refused` for a protocol the kernel has no module for.
   */
  async function dumpProtocol(
    protocol: SockDiagProtocol,
    families: readonly Family[],
    into: (datagram: Uint8Array, seq: number, name: string) => DatagramEnd,
    fresh: () => void,
  ): Promise<DumpResult> {
    if (protocol === 'tcp' && families.length === 2) {
      const name = 'sock_diag tcp';
      const both = await dump(name, encodeTcpDiagDump, (d, s) => into(d, s, name), anyErrno);
      if (both.kind === 'listed' || both.errno === ENOENT) return both;
      fresh();
    }
    for (const family of families) {
      const name = `sock_diag ${protocol}${family === 6 ? '6' : ''}`;
      const r = await dump(
        name,
        (s) => encodeSockDiagDump(protocol, family, s),
        (d, s) => into(d, s, name),
        noModule,
      );
      if (r.kind === 'refused') return r;
    }
    return { kind: 'listed' };
  }

  const familiesOf = (query: SocketQuery) => ([4, 6] as const).filter((f) => query.families.has(f));

  return {
    name: `sock_diag+${rest.name}`,
    read: async (query: SocketQuery) => {
      const sockets: SocketRecord[] = [];
      const issues: ParseIssue[] = [];
      const fromRest: { protocols: Set<SocketProtocol>; families: Set<Family> }[] = [];
      const families = familiesOf(query);
      for (const protocol of ['tcp', 'udp'] as const) {
        if (!query.protocols.has(protocol) || families.length === 0) continue;
        let got: InetSocket[] = [];
        let gotIssues: ParseIssue[] = [];
        let addresses = new AddressCache();
        let index = { count: 0 };
        const r = await dumpProtocol(
          protocol,
          families,
          (d, s, name) => readSockDiagDatagram(d, s, protocol, addresses, got, gotIssues, index, name),
          () => {
            got = [];
            gotIssues = [];
            addresses = new AddressCache();
            index = { count: 0 };
          },
        );
        if (r.kind === 'refused') {
          fromRest.push({ protocols: new Set([protocol]), families: new Set(families) });
          continue;
        }
        // One dump of both families interleaves them; the listing has IPv4 first, as /proc.
        for (const family of families) for (const s of got) if (s.family === family) sockets.push(s);
        for (const x of gotIssues) issues.push(x);
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
    readColumns: async (query: SocketQuery) => {
      const columns = new InetColumns();
      const issues: ParseIssue[] = [];
      const families = familiesOf(query);
      for (const protocol of ['tcp', 'udp'] as const) {
        if (!query.protocols.has(protocol) || families.length === 0) continue;
        const rowsBefore = columns.count;
        const issuesBefore = issues.length;
        const index = { count: 0 };
        const r = await dumpProtocol(
          protocol,
          families,
          (d, s, name) => readSockDiagColumns(d, s, protocol, columns, issues, index, name),
          () => {
            columns.count = rowsBefore;
            issues.length = issuesBefore;
            index.count = 0;
          },
        );
        if (r.kind === 'refused') return null;
      }
      return { columns, issues };
    },
  };
}

function failure(name: string, why: string, cause?: unknown): SocketListError {
  return new SocketListError('READ_FAILED', `${name}: ${why}`, cause === undefined ? {} : { cause });
}
