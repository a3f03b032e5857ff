import type { Counters, Interface, InterfaceAddress } from '@netdiag/interface-stats';
import type { NetlinkRouteSocket } from '@netdiag/probe-socket';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { printable } from '../printable.js';
import { dropAfterOpen } from '../privilege.js';

export const help = `usage: netdiag if [options] [IFACE...]

Every network interface: index, name, flags, state, MTU, link type, MAC, speed and duplex where
the driver reports them, IPv4 and IPv6 addresses with prefix length and scope, and counters.
Links from /sys/class/net, counters from /proc/net/dev, addresses from the kernel over netlink
(RTM_GETADDR: every link, up or down, with exact scopes, as 'ip addr' shows them).

On a terminal the list is live: receive and transmit rates (bit/s, packets/s), errors and drops
per second, and a sparkline of each interface's traffic; keys: space pause, q quit.
Piped (or with --once, or NETDIAG_NO_TTY) it prints the list once.

options:
  -s, --stats        counters too (bytes, packets, errors, dropped; each direction)
  -i, --interval SEC seconds between samples in the live view (default 1, 0.1 to 3600)
  --history N        samples kept per interface for the sparkline (default 60)
  --once             print the list once, even on a terminal
  --json             one JSON object {"interfaces": [...]}: the records of
                     @netdiag/interface-stats, counters as exact integers
  -h, --help         this help

Where no netlink socket can be opened (the native addon is not built), addresses come from
/proc/net/if_inet6 and getifaddrs, which cannot see IPv4 on a link that is down or has no
carrier: such a link says so ("ipv4Complete": false in JSON) rather than showing no address,
and stderr says why netlink was not used.
Exit status: 0 if an interface was listed, 2 on error (unknown IFACE, bad option).`;

const flags = {
  stats: { type: 'boolean', short: 's' },
  interval: { type: 'string', short: 'i' },
  history: { type: 'string' },
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface IfOptions {
  readonly names: readonly string[];
  readonly stats: boolean;
  readonly intervalMs: number;
  readonly historyLength: number;
  readonly once: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

/** Parses the command line; bad flags become one-line UsageErrors. Pure. */
export function parseIfArgs(args: string[]): IfOptions {
  const { values: v, positionals } = parseCommandArgs('if', args, flags);
  const seconds = numberFlag('if', '--interval', v.interval, { min: 0.1, max: 3600 });
  const history = numberFlag('if', '--history', v.history, { min: 2, max: 3600, integer: true });
  for (const name of positionals) {
    // IFNAMSIZ is 16 with the NUL; '/' and whitespace are refused by the kernel.
    if (name.length === 0 || name.length > 15 || /[\s/]/.test(name))
      throw new UsageError(`if: '${printable(name)}' is not an interface name`);
  }
  return {
    names: positionals,
    stats: v.stats === true,
    intervalMs: (seconds ?? 1) * 1000,
    historyLength: history ?? 60,
    once: v.once === true,
    json: v.json === true,
    help: v.help === true,
  };
}

/** The named interfaces (in the order given), or all; an unknown name is an error. */
export function selectInterfaces(
  all: readonly Interface[],
  names: readonly string[],
  command = 'if',
): Interface[] {
  if (names.length === 0) return [...all];
  return names.map((n) => {
    const found = all.find((i) => i.name === n);
    if (found === undefined)
      throw new CliError(`${command}: no interface named '${printable(n)}'`, ExitCode.Error);
    return found;
  });
}

function addressLine(a: InterfaceAddress): string {
  if (a.family === 'inet') {
    // As ip prints them: "dynamic" for an address with a lifetime, never "permanent".
    const flags: string[] = (a.flags ?? []).filter((f) => f !== 'permanent');
    if (a.flags !== undefined && !a.flags.includes('permanent')) flags.push('dynamic');
    return `    inet  ${a.address}/${a.prefixLength} scope ${a.scope}${flags.map((f) => ` ${f}`).join('')} ${printable(a.label)}`;
  }
  const flags = a.flags.filter((f) => f !== 'permanent');
  return `    inet6 ${a.address}/${a.prefixLength} scope ${a.scope}${flags.length ? ` ${flags.join(' ')}` : ''}`;
}

export function counterLines(c: Counters): string[] {
  return [
    `    RX  bytes ${c.rxBytes}  packets ${c.rxPackets}  errors ${c.rxErrors}  dropped ${c.rxDropped}`,
    `    TX  bytes ${c.txBytes}  packets ${c.txPackets}  errors ${c.txErrors}  dropped ${c.txDropped}`,
  ];
}

/** One interface as text: `ip addr`'s precision, ipconfig's content (speed, duplex, MAC). */
export function formatInterface(i: Interface, o: { stats: boolean }): string[] {
  const link = [
    `${i.index}: ${printable(i.name)}: <${i.flags.join(',')}> mtu ${i.mtu} state ${i.operState.toUpperCase()}`,
    i.mac !== undefined ? `${i.linkType} ${i.mac}` : i.linkType,
    i.broadcast !== undefined && i.broadcast !== i.mac ? `brd ${i.broadcast}` : '',
    i.speedMbps !== undefined ? `speed ${formatSpeed(i.speedMbps)}` : '',
    i.duplex !== undefined ? `${i.duplex} duplex` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const lines = [link, ...i.addresses.map(addressLine)];
  if (!i.ipv4Complete && !i.addresses.some((a) => a.family === 'inet')) {
    lines.push('    inet  (not visible while the link is not up and running: needs netlink)');
  }
  if (o.stats && i.counters !== undefined) lines.push(...counterLines(i.counters));
  return lines;
}

export function formatSpeed(mbps: number): string {
  return mbps >= 1000 && mbps % 1000 === 0 ? `${mbps / 1000}Gb/s` : `${mbps}Mb/s`;
}

/** Rates as a network engineer reads them: bit/s with SI prefixes, three significant digits. */
export function formatBitRate(bitsPerSecond: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bitsPerSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
}

/**
 * JSON with bigint counters written as exact integers (JSON.stringify refuses bigint, and a
 * conversion to number would round counters past 2^53). The marker starts with NUL, which
 * JSON.stringify escapes in any real string, so only the replacer's output can match it.
 */
export function stringifyWithBigInt(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000bigint:${v}` : v)).replace(
    /"\\u0000bigint:(\d+)"/g,
    '$1',
  );
}

/**
 * Interfaces as the kernel has them: links from /sys/class/net, counters from /proc/net/dev,
 * addresses over netlink. Where no NETLINK_ROUTE socket opens, addresses come from
 * /proc/net/if_inet6 and getifaddrs, and `fallback` says why.
 */
export interface InterfaceReader {
  read(options?: { readonly counters?: boolean }): Promise<Interface[]>;
  /** Why addresses come from /proc and getifaddrs (IPv4 of down links unseen); absent with netlink. */
  readonly fallback?: string;
  close(): void;
}

/** `openNetlink` is probe-socket's opener; tests pass one that fails, as where the addon is not built. */
export async function openInterfaceReader(
  openNetlink?: () => Promise<NetlinkRouteSocket>,
): Promise<InterfaceReader> {
  const [stats, sockets] = await Promise.all([
    import('@netdiag/interface-stats'),
    import('@netdiag/probe-socket'),
  ]);
  let socket: NetlinkRouteSocket;
  try {
    socket = await (openNetlink ?? sockets.openNetlinkRoute)();
  } catch (err) {
    // No netlink here (no addon, no permission) has a fallback; no descriptor left has none.
    if (!(err instanceof sockets.ProbeSocketError) || err.isResourceExhausted) throw err;
    return { read: (options = {}) => stats.readInterfaces(options), fallback: err.message, close() {} };
  }
  const addresses = stats.netlinkAddressSource(socket);
  return {
    async read(options = {}) {
      try {
        return await stats.readInterfaces({ ...options, addresses });
      } catch (err) {
        // The kernel's answer (an errno), or a dump that never ended: one line, not a stack.
        if (err instanceof stats.NetlinkError || err instanceof stats.NetlinkDecodeError)
          throw new CliError(`reading addresses over netlink: ${err.message}`, ExitCode.Error, {
            cause: err,
          });
        throw err;
      }
    },
    close: () => socket.close(),
  };
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const o = parseIfArgs(args);
  if (o.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  const reader = await openInterfaceReader();
  try {
    // The netlink socket is open: nothing from here on needs privilege.
    await dropAfterOpen('if', undefined, io);
    const interfaces = selectInterfaces(await reader.read(), o.names);
    if (wantsLiveView(io, o.json) && !o.once) {
      const { runIfLive } = await import('../views/if-live.js');
      return await runIfLive(o, io, () => reader.read());
    }
    if (o.json) {
      io.stdout.write(`${stringifyWithBigInt({ interfaces })}\n`);
    } else {
      io.stdout.write(`${interfaces.flatMap((i) => formatInterface(i, o)).join('\n')}\n`);
      if (reader.fallback !== undefined && interfaces.some((i) => !i.ipv4Complete))
        io.stderr.write(`netdiag: if: addresses without netlink (${reader.fallback})\n`);
    }
    return interfaces.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
  } finally {
    reader.close();
  }
}
