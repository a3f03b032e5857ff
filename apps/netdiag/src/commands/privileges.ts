import { parseCommandArgs } from '../args.js';
import { ExitCode } from '../cli-error.js';
import type { CommandIo } from '../io.js';

export const help = `usage: netdiag privileges      (or: netdiag --privileges)

Says how this user gets raw and packet sockets, in the order netdiag tries them: opened directly
(root, or CAP_NET_RAW), from the privileged helper (installed, and this user in its group), or
none: ICMP datagram sockets for ping and trace -I where net.ipv4.ping_group_range admits the
user, UDP datagram sockets for trace -U. Every command drops its privilege once its sockets are
open; this says that too.

options:
  --json        one JSON object: {"path": "root" | "capability" | "helper" | "unprivileged", "lines": [...]}
  -h, --help    this help`;

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseCommandArgs('privileges', args, options);
  if (v.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  const { privilegeReport } = await import('@netdiag/probe-socket');
  const report = privilegeReport(io.env);
  if (v.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(`path in use: ${report.path}\n${report.lines.map((l) => `  ${l}`).join('\n')}\n`);
  return ExitCode.Ok;
}
