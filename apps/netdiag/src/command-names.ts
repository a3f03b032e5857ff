/**
 * The commands, each a module of its own (src/commands/<name>.ts) and a bundle of its own
 * (dist/<name>.cjs): one list for the dispatcher, the CLI's usage and the build.
 */
export const COMMAND_NAMES = [
  'ping',
  'trace',
  'netstat',
  'lookup',
  'if',
  'arp',
  'monitor',
  'capture',
  'privileges',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** The command the first argument names (`--privileges` is `privileges`), if it names one. */
export function commandNamed(first: string | undefined): CommandName | undefined {
  const name = first === '--privileges' ? 'privileges' : first;
  return COMMAND_NAMES.find((c) => c === name);
}
