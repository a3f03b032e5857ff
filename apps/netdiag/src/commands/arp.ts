import type { InterfaceSubnets, Neighbour, NeighbourTable } from '@netdiag/arp';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import { printable, selectInterfaces } from './if.js';

export const help = `usage: netdiag arp [options]                      the neighbour table
       netdiag arp probe ADDRESS [-I IFACE] [-c N]  who-has ADDRESS, like arping
       netdiag arp scan CIDR -I IFACE [--force]    every address of a subnet, like arp-scan

The table lists IPv4 neighbours from /proc/net/arp: address, interface, MAC and state. The
kernel folds its states there: "resolved" is reachable, stale, delay or probe; "unresolved" is
incomplete or failed; "permanent" is a static entry. IPv6 neighbours and exact states need
netlink, which this build cannot open (said on stderr, and in "missing" with --json).

options:
  -I, --interface IFACE  the table: only this interface; probe/scan: the interface to send on
  -c, --count N          probe: requests to send (default 3)
  --force                scan: allow a range larger than a /16
  --foreign              scan: allow a range outside the interface's own subnets
  --json                 one JSON object: {"neighbours": [...], "missing": [...], "exactStates"}
  -n                     numeric; accepted for familiarity (netdiag never looks names up)
  -h, --help             this help

Probes and scans need a packet socket (AF_PACKET), which raw-socket cannot open: until
netdiag's native socket addon is built, they check their arguments and then say so (exit 2).
Exit status: 0 if a neighbour was listed (or answered), 1 if none, 2 on error.`;

const flags = {
  interface: { type: 'string', short: 'I' },
  count: { type: 'string', short: 'c' },
  force: { type: 'boolean' },
  foreign: { type: 'boolean' },
  json: { type: 'boolean' },
  numeric: { type: 'boolean', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ArpOptions =
  | { readonly mode: 'help' }
  | { readonly mode: 'table'; readonly iface?: string; readonly json: boolean }
  | {
      readonly mode: 'probe';
      readonly address: string;
      readonly iface?: string;
      readonly count: number;
      readonly json: boolean;
    }
  | {
      readonly mode: 'scan';
      readonly cidr: string;
      readonly iface: string;
      readonly force: boolean;
      readonly foreign: boolean;
      readonly json: boolean;
    };

const dottedQuad = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses the command line; every mistake is a one-line UsageError. Pure. */
export function parseArpArgs(args: string[]): ArpOptions {
  const { values: v, positionals } = parseCommandArgs('arp', args, flags);
  if (v.help) return { mode: 'help' };
  const json = v.json === true;
  const iface = v.interface;
  const [sub, target, ...extra] = positionals;
  const only = (what: string, allowed: readonly (keyof typeof v)[]) => {
    for (const k of ['count', 'force', 'foreign'] as const) {
      if (v[k] !== undefined && !allowed.includes(k))
        throw new UsageError(`arp: --${k} does not apply to ${what}`);
    }
  };
  if (sub === undefined) {
    only('the table', []);
    return { mode: 'table', ...(iface !== undefined ? { iface } : {}), json };
  }
  if (extra.length > 0)
    throw new UsageError(`arp: unexpected '${printable(extra[0]!)}'; see 'netdiag arp --help'`);
  if (sub === 'probe') {
    only('probe', ['count']);
    if (target === undefined) throw new UsageError('arp probe: needs an IPv4 ADDRESS');
    if (!dottedQuad.test(target))
      throw new UsageError(`arp probe: '${printable(target)}' is not an IPv4 address (ARP is IPv4 only)`);
    const count = numberFlag('arp', '-c', v.count, { min: 1, max: 1_000_000, integer: true }) ?? 3;
    return { mode: 'probe', address: target, ...(iface !== undefined ? { iface } : {}), count, json };
  }
  if (sub === 'scan') {
    only('scan', ['force', 'foreign']);
    if (target === undefined) throw new UsageError('arp scan: needs a CIDR range, e.g. 192.0.2.0/24');
    if (iface === undefined) throw new UsageError('arp scan: needs -I IFACE, the interface to scan from');
    return { mode: 'scan', cidr: target, iface, force: v.force === true, foreign: v.foreign === true, json };
  }
  throw new UsageError(
    `arp: unknown subcommand '${printable(sub)}' (probe or scan); see 'netdiag arp --help'`,
  );
}

/** The table as columns: address, interface, MAC, state (proxy entries marked). */
export function formatTable(table: NeighbourTable): string[] {
  const rows = table.neighbours.map((n: Neighbour) => [
    n.address,
    printable(n.interface),
    n.mac ?? '(incomplete)',
    n.proxy ? `${n.state} proxy` : n.state,
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

/** Why a probe or scan cannot run in this build: one line, what is missing and how it comes. */
export const packetSocketMissing =
  "needs a packet socket (AF_PACKET), which raw-socket cannot open, and netdiag's native socket addon (packages/native-socket) is not in this build yet; use arping or arp-scan meanwhile";

async function interfaceSubnets(name: string): Promise<InterfaceSubnets> {
  const { readInterfaces } = await import('@netdiag/interface-stats');
  const [i] = selectInterfaces(await readInterfaces({ counters: false }), [name], 'arp');
  if (!i!.ipv4Complete) {
    throw new CliError(
      `arp: ${printable(name)} is not up and running, so its IPv4 subnets cannot be read (state ${i!.operState})`,
    );
  }
  return {
    name,
    ipv4: i!.addresses.flatMap((a) =>
      a.family === 'inet' ? [{ address: a.address, prefixLength: a.prefixLength }] : [],
    ),
  };
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const o = parseArpArgs(args);
  if (o.mode === 'help') {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  const arp = await import('@netdiag/arp');
  if (o.mode === 'table') {
    const table = await arp.readNeighbours();
    const neighbours =
      o.iface === undefined ? table.neighbours : table.neighbours.filter((n) => n.interface === o.iface);
    const shown = { ...table, neighbours };
    if (o.json) io.stdout.write(`${JSON.stringify(shown)}\n`);
    else {
      if (neighbours.length > 0) io.stdout.write(`${formatTable(shown).join('\n')}\n`);
      for (const m of table.missing)
        io.stderr.write(
          `netdiag: arp: ${m.family === 'inet6' ? 'IPv6' : 'IPv4'} neighbours not shown: ${m.reason}\n`,
        );
    }
    return neighbours.length > 0 ? ExitCode.Ok : ExitCode.NoAnswer;
  }
  if (o.mode === 'probe') {
    // The interface is checked first, so that a typo is reported as such and not as the gap.
    if (o.iface !== undefined) await interfaceSubnets(o.iface);
    throw new CliError(`arp probe: ${packetSocketMissing}`);
  }
  const plan = arp.planScan(o.cidr, await interfaceSubnets(o.iface), {
    force: o.force,
    allowForeign: o.foreign,
  });
  if (!plan.ok) throw new UsageError(`arp scan: ${plan.error.message}`);
  throw new CliError(`arp scan: ${packetSocketMissing} (${plan.plan.count} addresses to probe)`);
}
