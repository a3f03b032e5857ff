import { existsSync } from 'node:fs';
import type {
  FrameChannel,
  InterfaceSubnets,
  Neighbour,
  NeighbourTable,
  ProbeSummary,
  ScanHost,
} from '@netdiag/arp';
import type { Interface } from '@netdiag/interface-stats';
import type { NetlinkRouteSocket } from '@netdiag/probe-socket';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import { printable } from '../printable.js';
import { checkUser, dropAfterOpen, userOption } from '../privilege.js';
import { openInterfaceReader, selectInterfaces } from './if.js';

export const help = `usage: netdiag arp [options]                          the neighbour table
       netdiag arp probe ADDRESS [-I IFACE] [-c N] [--dad]  who-has ADDRESS, like arping
       netdiag arp scan CIDR -I IFACE [--force] [--foreign] every address of a range, like arp-scan

The table lists IPv4 and IPv6 neighbours from the kernel over netlink (RTM_GETNEIGH):
address, interface, MAC and the exact state (reachable, stale, delay, probe, incomplete,
failed, permanent), routers marked, as 'ip neigh' shows them. Where no netlink socket can be
opened (the native addon is not built) it falls back to /proc/net/arp: IPv4 only, with states
folded ("resolved" is reachable, stale, delay or probe; "unresolved" incomplete or failed), and
says so on stderr (and in "missing" and "exactStates" with --json).

A probe asks "who has ADDRESS?" on the interface whose subnet holds it (or -I IFACE) and
prints each reply's MAC and round-trip time; a second MAC answering is reported as a conflict.
--dad probes as RFC 5227 duplicate address detection (sender 0.0.0.0): exit 0 when the address
is free, 1 when someone holds it. A scan asks every address of CIDR once per pass (2 passes,
500 ms timeout) and lists who answered, with the vendor from the IEEE OUI registry.

options:
  -I, --interface IFACE  the table: only this interface; probe/scan: the interface to send on
  -c, --count N          probe: requests to send (default 3)
  --interval SEC         probe: between requests (default 1); scan: between requests (default 0.002)
  --timeout SEC          probe: wait after the last request (default 1); scan: per request (0.5)
  --dad                  probe: duplicate address detection
  --force                scan: allow a range larger than a /16
  --foreign              scan: allow a range outside the interface's own subnets
  --json                 one JSON object (table: {"neighbours", "missing", "exactStates"})
  -n                     numeric; accepted for familiarity (netdiag never looks names up)
  --user NAME            probe, scan: started as root, become NAME once the packet socket is
                         open (as tcpdump -Z); every capability is dropped then in any case
  -h, --help             this help

Probes and scans send and receive on a packet socket (AF_PACKET), which needs root or
CAP_NET_RAW, or netdiag's privileged helper (netdiag --privileges says which is in use); without
them they say so in one line, with the fix (exit 2).
Exit status: 0 if a neighbour was listed (or answered), 1 if none, 2 on error.`;

const flags = {
  interface: { type: 'string', short: 'I' },
  count: { type: 'string', short: 'c' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  dad: { type: 'boolean' },
  force: { type: 'boolean' },
  foreign: { type: 'boolean' },
  json: { type: 'boolean' },
  numeric: { type: 'boolean', short: 'n' },
  ...userOption,
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ProbeOptions {
  readonly mode: 'probe';
  readonly address: string;
  readonly iface?: string;
  readonly count: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly dad: boolean;
  readonly json: boolean;
  /** --user: whom to become once the packet socket is open (root only). */
  readonly user?: string;
}

export interface ScanOptions {
  readonly mode: 'scan';
  readonly cidr: string;
  readonly iface: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly force: boolean;
  readonly foreign: boolean;
  readonly json: boolean;
  /** --user: whom to become once the packet socket is open (root only). */
  readonly user?: string;
}

export type ArpOptions =
  | { readonly mode: 'help' }
  | { readonly mode: 'table'; readonly iface?: string; readonly json: boolean }
  | ProbeOptions
  | ScanOptions;

const dottedQuad = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses the command line; every mistake is a one-line UsageError. Pure. */
export function parseArpArgs(args: string[]): ArpOptions {
  const { values: v, positionals } = parseCommandArgs('arp', args, flags);
  if (v.help) return { mode: 'help' };
  const json = v.json === true;
  const iface = v.interface;
  const [sub, target, ...extra] = positionals;
  const only = (what: string, allowed: readonly string[]) => {
    for (const k of ['count', 'interval', 'timeout', 'dad', 'force', 'foreign', 'user'] as const) {
      if (v[k] !== undefined && !allowed.includes(k))
        throw new UsageError(`arp: --${k} does not apply to ${what}`);
    }
  };
  const seconds = (flag: 'interval' | 'timeout', fallback: number, min: number) =>
    (numberFlag('arp', `--${flag}`, v[flag], { min, max: 3600 }) ?? fallback) * 1000;
  if (sub === undefined) {
    only('the table', []);
    return { mode: 'table', ...(iface !== undefined ? { iface } : {}), json };
  }
  if (extra.length > 0)
    throw new UsageError(`arp: unexpected '${printable(extra[0]!)}'; see 'netdiag arp --help'`);
  if (sub === 'probe') {
    only('probe', ['count', 'interval', 'timeout', 'dad', 'user']);
    if (target === undefined) throw new UsageError('arp probe: needs an IPv4 ADDRESS');
    if (!dottedQuad.test(target))
      throw new UsageError(`arp probe: '${printable(target)}' is not an IPv4 address (ARP is IPv4 only)`);
    return {
      mode: 'probe',
      address: target,
      ...(iface !== undefined ? { iface } : {}),
      count: numberFlag('arp', '-c', v.count, { min: 1, max: 1_000_000, integer: true }) ?? 3,
      intervalMs: seconds('interval', 1, 0.01),
      timeoutMs: seconds('timeout', 1, 0.01),
      dad: v.dad === true,
      json,
      ...(v.user !== undefined && { user: v.user }),
    };
  }
  if (sub === 'scan') {
    only('scan', ['interval', 'timeout', 'force', 'foreign', 'user']);
    if (target === undefined) throw new UsageError('arp scan: needs a CIDR range, e.g. 192.0.2.0/24');
    if (iface === undefined) throw new UsageError('arp scan: needs -I IFACE, the interface to scan from');
    return {
      mode: 'scan',
      cidr: target,
      iface,
      intervalMs: seconds('interval', 0.002, 0),
      timeoutMs: seconds('timeout', 0.5, 0.01),
      force: v.force === true,
      foreign: v.foreign === true,
      json,
      ...(v.user !== undefined && { user: v.user }),
    };
  }
  throw new UsageError(
    `arp: unknown subcommand '${printable(sub)}' (probe or scan); see 'netdiag arp --help'`,
  );
}

/** The table as columns: address, interface, MAC, state (routers and proxy entries marked). */
export function formatTable(table: NeighbourTable): string[] {
  const rows = table.neighbours.map((n: Neighbour) => [
    n.address,
    printable(n.interface),
    n.mac ?? '(incomplete)',
    [n.state, n.router ? 'router' : '', n.proxy ? 'proxy' : ''].filter(Boolean).join(' '),
  ]);
  const header = ['ADDRESS', 'IFACE', 'MAC', 'STATE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** Opens an ARP frame channel on an interface (an AF_PACKET socket for EtherType 0x0806). */
export type OpenArpChannel = (iface: string) => Promise<FrameChannel>;

const ipv4Of = (i: Interface) => i.addresses.flatMap((a) => (a.family === 'inet' ? [a] : []));

function subnetsOf(i: Interface): InterfaceSubnets {
  if (!i.flags.includes('UP'))
    throw new CliError(`arp: ${printable(i.name)} is down (ip link set ${printable(i.name)} up)`);
  if (!i.ipv4Complete) {
    throw new CliError(
      `arp: ${printable(i.name)} is not up and running, so its IPv4 subnets cannot be read (state ${i.operState})`,
    );
  }
  return { name: i.name, ipv4: ipv4Of(i).map((a) => ({ address: a.address, prefixLength: a.prefixLength })) };
}

function inSubnet(address: string, net: string, prefixLength: number): boolean {
  const n = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefixLength);
  return Math.floor(n(address) / size) === Math.floor(n(net) / size);
}

/**
 * Where and as whom to probe: the given interface, or the one whose IPv4 subnet holds the
 * target (as arping finds it), and our address on that subnet as the sender.
 */
export function probeEndpoint(
  all: readonly Interface[],
  o: Pick<ProbeOptions, 'address' | 'iface' | 'dad'>,
): { iface: Interface; senderIp: string } {
  // Without -I, a link that is down holds no route to its subnet: the kernel would not use it.
  const candidates =
    o.iface !== undefined
      ? selectInterfaces(all, [o.iface], 'arp')
      : all.filter((i) => i.linkType === 'ether' && i.flags.includes('UP'));
  if (o.iface !== undefined) subnetsOf(candidates[0]!);
  for (const i of candidates) {
    const own = ipv4Of(i).find((a) => inSubnet(o.address, a.address, a.prefixLength));
    if (own !== undefined) return { iface: i, senderIp: o.dad ? '0.0.0.0' : own.address };
  }
  if (o.iface !== undefined) {
    const i = candidates[0]!;
    const first = ipv4Of(i)[0];
    if (o.dad) return { iface: i, senderIp: '0.0.0.0' };
    if (first === undefined)
      throw new CliError(
        `arp probe: ${printable(i.name)} has no IPv4 address to ask from (--dad asks from 0.0.0.0)`,
      );
    return { iface: i, senderIp: first.address };
  }
  throw new CliError(`arp probe: ${o.address} is on no directly connected Ethernet subnet; give -I IFACE`);
}

const ms = (x: number) => x.toFixed(3);

/** arping's output, over a channel; the exit code follows arping (DAD: 0 free, 1 taken). */
export async function probeCommand(
  o: ProbeOptions,
  io: CommandIo,
  open: OpenArpChannel,
  all: readonly Interface[],
): Promise<number> {
  const { runProbe } = await import('@netdiag/arp');
  const { iface, senderIp } = probeEndpoint(all, o);
  const name = printable(iface.name);
  const channel = await open(iface.name);
  const replies: { mac: string; rttMs: number; duplicate: boolean }[] = [];
  let summary: ProbeSummary;
  try {
    if (!o.json)
      io.stdout.write(
        `ARPING ${o.address} from ${senderIp} ${name}${o.dad ? ' (duplicate address detection)' : ''}\n`,
      );
    summary = await runProbe(
      {
        targetIp: o.address,
        senderIp,
        mode: o.dad ? 'dad' : 'probe',
        count: o.count,
        intervalMs: o.intervalMs,
        timeoutMs: o.timeoutMs,
      },
      channel,
      {
        signal: io.signal,
        onAction: (a) => {
          if (a.type === 'reply') {
            replies.push({ mac: a.mac, rttMs: a.rttMs, duplicate: a.duplicate });
            if (!o.json)
              io.stdout.write(
                `reply from ${o.address} [${a.mac}]  ${ms(a.rttMs)} ms${a.duplicate ? ' (DUP!)' : ''}\n`,
              );
          } else if (a.type === 'corrupt' && !o.json) {
            io.stdout.write(
              `corrupt reply from ${o.address} [${a.mac}] for ${a.targetIp} [${a.targetMac}]: not an answer to our request, not counted\n`,
            );
          } else if (a.type === 'conflict' && !o.json) {
            io.stdout.write(
              `conflict: ${a.mac} ${a.how === 'probe' ? 'is probing for' : 'answers for'} ${o.address}\n`,
            );
          }
        },
      },
    );
  } finally {
    channel.close();
  }
  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({ target: o.address, interface: iface.name, sender: senderIp, mode: o.dad ? 'dad' : 'probe', replies, summary })}\n`,
    );
  } else {
    const lost =
      summary.transmitted === 0 ? 0 : Math.round(100 * (1 - summary.received / summary.transmitted));
    io.stdout.write(`--- ${o.address} arp statistics ---\n`);
    io.stdout.write(
      `${summary.transmitted} requests transmitted, ${summary.received} replies received${summary.corrupt ? `, +${summary.corrupt} corrupted` : ''}, ${lost}% unanswered\n`,
    );
    if (summary.rttMs)
      io.stdout.write(
        `rtt min/avg/max = ${ms(summary.rttMs.min)}/${ms(summary.rttMs.avg)}/${ms(summary.rttMs.max)} ms\n`,
      );
  }
  if (o.dad) return summary.conflict ? ExitCode.NoAnswer : ExitCode.Ok;
  return summary.received > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}

/** arp-scan's output, over a channel, with vendor names. */
export async function scanCommand(
  o: ScanOptions,
  io: CommandIo,
  open: OpenArpChannel,
  all: readonly Interface[],
): Promise<number> {
  const arp = await import('@netdiag/arp');
  const [iface] = selectInterfaces(all, [o.iface], 'arp');
  const subnets = subnetsOf(iface!);
  const planned = arp.planScan(o.cidr, subnets, { force: o.force, allowForeign: o.foreign });
  if (!planned.ok) throw new UsageError(`arp scan: ${planned.error.message}`);
  const plan = planned.plan;
  const senderIp =
    subnets.ipv4.find((a) => inSubnet(plan.network, a.address, a.prefixLength))?.address ??
    subnets.ipv4[0]?.address;
  if (senderIp === undefined)
    throw new CliError(`arp scan: ${printable(o.iface)} has no IPv4 address to ask from`);
  // The registry is parsed only now that a scan runs, and while the requests go out.
  const vendors = arp.loadOuiTable();
  const channel = await open(iface!.name);
  let summary: Awaited<ReturnType<typeof arp.runScan>>;
  const started = performance.now();
  try {
    if (!o.json)
      io.stdout.write(
        `Interface: ${printable(iface!.name)}, address ${senderIp}, scanning ${plan.network}/${plan.prefixLength} (${plan.count} addresses)\n`,
      );
    summary = await arp.runScan(
      { targets: [...plan.targets()], senderIp, intervalMs: o.intervalMs, timeoutMs: o.timeoutMs },
      channel,
      { signal: io.signal },
    );
  } finally {
    channel.close();
  }
  const table = await vendors;
  const vendorOf = (h: ScanHost) => {
    const v = arp.lookupVendor(table, h.mac);
    return v?.kind === 'registered'
      ? v.vendor
      : v?.kind === 'locally-administered'
        ? '(locally administered)'
        : '(unknown)';
  };
  const seconds = (performance.now() - started) / 1000;
  if (o.json) {
    const hosts = summary.hosts.map((h) => ({ ...h, vendor: vendorOf(h) }));
    io.stdout.write(
      `${JSON.stringify({ interface: iface!.name, sender: senderIp, range: `${plan.network}/${plan.prefixLength}`, targets: summary.targets, sent: summary.sent, hosts })}\n`,
    );
  } else {
    for (const h of summary.hosts) {
      io.stdout.write(
        `${h.ip.padEnd(15)}  ${h.mac}  ${vendorOf(h)}${h.otherMacs.length ? `  (also ${h.otherMacs.join(', ')}: conflict)` : ''}\n`,
      );
    }
    io.stdout.write(
      `${summary.targets} addresses scanned in ${seconds.toFixed(2)} s (${summary.sent} requests): ${summary.hosts.length} responded\n`,
    );
  }
  return summary.hosts.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
}

/**
 * The neighbour table from netlink (both families, exact states), or from /proc/net/arp where no
 * netlink socket opens, with the reason in `missing`. `openNetlink` is probe-socket's opener;
 * tests pass one that fails, as where the addon is not built.
 */
export async function readTable(openNetlink?: () => Promise<NetlinkRouteSocket>): Promise<NeighbourTable> {
  const [arp, sockets] = await Promise.all([import('@netdiag/arp'), import('@netdiag/probe-socket')]);
  let socket: NetlinkRouteSocket;
  try {
    socket = await (openNetlink ?? sockets.openNetlinkRoute)();
  } catch (err) {
    // No netlink here (no addon, no permission) has a fallback; no descriptor left has none.
    if (!(err instanceof sockets.ProbeSocketError) || err.isResourceExhausted) throw err;
    const why = `needs netlink (RTM_GETNEIGH; /proc has no IPv6 table), unavailable: ${err.message}`;
    return arp.readNeighbours({ source: arp.procNeighbourSource(undefined, why) });
  }
  try {
    return await arp.readNeighbours({ source: arp.netlinkNeighbourSource(socket) });
  } catch (err) {
    const { NetlinkError, NetlinkDecodeError } = await import('@netdiag/interface-stats');
    if (err instanceof NetlinkError || err instanceof NetlinkDecodeError)
      throw new CliError(`arp: reading neighbours over netlink: ${err.message}`, ExitCode.Error, {
        cause: err,
      });
    throw err;
  } finally {
    socket.close();
  }
}

/** A socket failure of a probe or scan (no permission, no addon, interface gone) as one line. */
async function socketFailure(what: string, err: unknown): Promise<unknown> {
  const { ProbeSocketError } = await import('@netdiag/probe-socket');
  return err instanceof ProbeSocketError
    ? new CliError(`${what}: ${err.message}`, ExitCode.Error, { cause: err })
    : err;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const o = parseArpArgs(args);
  if (o.mode === 'help') {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  if (o.mode === 'table') {
    // An interface that does not exist is a typo, not an empty table.
    if (o.iface !== undefined && (/[\s/]/.test(o.iface) || !existsSync(`/sys/class/net/${o.iface}`))) {
      throw new CliError(`arp: no interface named '${printable(o.iface)}'`);
    }
    const table = await readTable();
    const neighbours =
      o.iface === undefined ? table.neighbours : table.neighbours.filter((n) => n.interface === o.iface);
    const shown = { ...table, neighbours };
    if (o.json) io.stdout.write(`${JSON.stringify(shown)}\n`);
    else {
      if (neighbours.length > 0) io.stdout.write(`${formatTable(shown).join('\n')}\n`);
      for (const m of table.missing)
        io.stderr.write(
          `netdiag: arp: ${m.family === 'inet6' ? 'IPv6' : 'IPv4'} neighbours not shown: ${printable(m.reason)}\n`,
        );
    }
    return neighbours.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
  }
  // Arguments and interfaces are checked before any packet socket opens, so that a typo is
  // reported as such, not as a missing privilege.
  const reader = await openInterfaceReader();
  let all: Interface[];
  try {
    all = await reader.read({ counters: false });
  } finally {
    reader.close();
  }
  const user = o.user;
  await checkUser(`arp ${o.mode}`, user);
  const { openArpChannel } = await import('@netdiag/probe-socket');
  // One packet socket serves a probe or a scan: once it is open, nothing needs privilege.
  const open: OpenArpChannel = async (iface) => {
    const channel = await openArpChannel(iface);
    try {
      await dropAfterOpen(`arp ${o.mode}`, user, io);
    } catch (err) {
      channel.close();
      throw err;
    }
    return channel;
  };
  try {
    return o.mode === 'probe' ? await probeCommand(o, io, open, all) : await scanCommand(o, io, open, all);
  } catch (err) {
    throw await socketFailure(`arp ${o.mode}`, err);
  }
}
