import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createLab, type ExecResult, type Lab } from '../lab/index.js';
import { netdiagArgv } from './cli.js';

/**
 * The small network the fault tests break in their own ways:
 *
 * ```
 * client -> r1 -> target        (chain 'path'; target's port 53 is closed: a refusing resolver)
 *           r1 -> quiet         (silent: sends no ICMP error, so its port 53 is a silent resolver)
 *           r1 -> alone         (its link is deleted after the build: loopback only, no route)
 * ```
 *
 * An unroutable resolver is an address of 198.18.0.0/15, which no host here routes.
 */
export async function createFaultLab(): Promise<Lab> {
  const lab = await createLab({
    hosts: { quiet: { silent: true }, client: { pingGroupRange: [0, 2147483647] } },
    chains: { path: { from: 'client', to: 'target', routers: 1 } },
    links: [{ hosts: ['r1', 'quiet'] }, { hosts: ['r1', 'alone'] }],
  });
  try {
    await lab.exec('alone', ['ip', 'link', 'del', 'eth0']);
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  return lab;
}

export const UNROUTABLE_RESOLVER = '198.18.255.53';

/**
 * Gives the namespace its own /etc/resolv.conf (and a hosts file naming `target`), which
 * `ip netns exec` bind-mounts over the system's: every query stays inside the lab. Returns the
 * function that removes them.
 */
export function pointResolver(
  namespace: string,
  nameserver: string,
  hosts: Readonly<Record<string, string>> = {},
): () => void {
  const dir = `/etc/netns/${namespace}`;
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(hosts).map(([name, address]) => `${address} ${name}`);
  writeFileSync(`${dir}/hosts`, `127.0.0.1 localhost\n::1 localhost\n${lines.join('\n')}\n`);
  writeFileSync(`${dir}/resolv.conf`, `nameserver ${nameserver}\noptions timeout:1 attempts:1\n`);
  return () => rmSync(dir, { recursive: true, force: true });
}

/** Runs netdiag in a lab host; a run still going after `timeoutMs` is killed (code null). */
export function netdiagIn(
  lab: Lab,
  host: string,
  args: string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = {},
): Promise<ExecResult> {
  return lab.exec(host, netdiagArgv(...args), { timeoutMs, env: { ...process.env, ...env } });
}

/** A Node stack frame or an uncaught-exception banner: what no fault may print. */
export const STACK = /^\s+at .+[(:]\d+|node:internal|Error \[ERR_|Node\.js v\d/m;

/** The lines of stderr, without empty ones. */
export function errLines(r: ExecResult): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() !== '');
}

/** A failed command's contract: one `netdiag: ...` line on stderr, no stack. */
export function oneLine(r: ExecResult): string {
  const lines = errLines(r);
  if (lines.length !== 1 || !lines[0]!.startsWith('netdiag: ') || STACK.test(r.stderr))
    throw new Error(`expected one 'netdiag: ...' line on stderr, got (code ${r.code}):\n${r.stderr}`);
  return lines[0]!;
}
