import { randomInt } from '@netdiag/icmp';
import { type IpFamily, openProbeSocket, type ProbeSocket, type SocketSpec } from '@netdiag/probe-socket';

/** The ICMP sockets of an agent: one per family, for every target of that family. */
export interface IcmpSockets {
  readonly v4?: ProbeSocket;
  readonly v6?: ProbeSocket;
  /** Why a family has no socket (no IPv6 in this namespace, no permission...). */
  readonly failures: Partial<Record<IpFamily, string>>;
  /** The echo identifier each family's requests carry (the kernel's, on datagram sockets). */
  identifier(family: IpFamily): number;
  close(): void;
}

/**
 * 8 MiB of kernel receive buffer per family: 10,000 replies a second keep arriving while the
 * event loop is busy (a scrape, a collection); at about 1 KiB of kernel memory per queued reply
 * this holds several seconds of them, where the default 208 KiB dropped replies (false loss)
 * after 20 ms.
 */
const RECEIVE_BUFFER = 8 << 20;

export type SocketOpener = (spec: SocketSpec) => ProbeSocket;

/**
 * Opens both families' sockets at once, at start (and again only through this function), so
 * that everything privileged happens in one place before the agent drops its privileges. A
 * family that cannot be opened is reported, not fatal, unless both fail.
 */
export function openIcmpSockets(open: SocketOpener = (spec) => openProbeSocket(spec)): IcmpSockets {
  const wanted = randomInt(1, 65_536);
  const failures: Partial<Record<IpFamily, string>> = {};
  let firstError: unknown;
  const sockets: Partial<Record<IpFamily, ProbeSocket>> = {};
  for (const family of [4, 6] as const) {
    try {
      sockets[family] = open({
        family,
        protocol: 'icmp',
        identifier: wanted,
        receiveBufferBytes: RECEIVE_BUFFER,
        // One reused packet object and receive buffer: nothing allocated per reply (issue 13).
        reusePacket: true,
      });
    } catch (err) {
      failures[family] = err instanceof Error ? err.message : String(err);
      firstError ??= err;
    }
  }
  if (!sockets[4] && !sockets[6]) throw firstError;
  return {
    ...(sockets[4] && { v4: sockets[4] }),
    ...(sockets[6] && { v6: sockets[6] }),
    failures,
    identifier: (family) => sockets[family]?.boundIdentifier ?? wanted,
    close() {
      sockets[4]?.close();
      sockets[6]?.close();
    },
  };
}
