import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real authoritative server for the tests: knotd (Debian package `knot`) on a loopback
 * address of its own, serving zones the tests own, stopped by its PID. Zones under
 * netdiag.test. and the documentation reverse zones only: nothing here can be public.
 */

export const ZONES_DIR = fileURLToPath(new URL('./zones/', import.meta.url));

export interface ZoneSpec {
  readonly origin: string;
  /** Zone file text. */
  readonly text: string;
  /** Let knotd sign it (DNSKEY, RRSIG, NSEC). */
  readonly sign?: boolean;
}

export interface KnotServer {
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export function zoneFile(name: string): string {
  return readFileSync(join(ZONES_DIR, `${name}.zone`), 'utf8');
}

/** A TXT record over 512 bytes, so a UDP answer without EDNS must be truncated. */
export function bigTxtRecord(owner: string): { line: string; strings: string[] } {
  const strings = Array.from({ length: 6 }, (_, i) => `chunk-${i}-${'x'.repeat(110)}`);
  return { line: `${owner} TXT ${strings.map((s) => `"${s}"`).join(' ')}`, strings };
}

/** The standard test zones: netdiag.test (signed, with a big TXT) and both reverse zones. */
export function standardZones(): ZoneSpec[] {
  const big = bigTxtRecord('big');
  return [
    { origin: 'netdiag.test', text: `${zoneFile('netdiag.test')}${big.line}\n`, sign: true },
    { origin: '2.0.192.in-addr.arpa', text: zoneFile('2.0.192.in-addr.arpa') },
    { origin: '8.b.d.0.1.0.0.2.ip6.arpa', text: zoneFile('8.b.d.0.1.0.0.2.ip6.arpa') },
  ];
}

/** A loopback address unlikely to collide with another test run: 127.53.x.y. */
export function randomLoopback(): string {
  return `127.53.${randomInt(1, 255)}.${randomInt(1, 255)}`;
}

/** argv run inside a network namespace when one is given (a lab host's DNS server). */
function inNamespace(netns: string | undefined, argv: string[]): [string, string[]] {
  const full = netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  return [full[0]!, full.slice(1)];
}

function dig(args: string[], netns?: string): string {
  const [file, argv] = inNamespace(netns, ['dig', ...args]);
  return spawnSync(file, argv, { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
}

/**
 * `also`: more listen addresses as `addr@port` (e.g. `::1@35353`), served the same zones.
 * `netns`: run knotd inside that network namespace (a lab host's own DNS server).
 */
export async function startKnot(
  zones: readonly ZoneSpec[],
  opts: { address?: string; port?: number; also?: readonly string[]; netns?: string } = {},
): Promise<KnotServer> {
  const address = opts.address ?? randomLoopback();
  const port = opts.port ?? 53;
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-knot-'));
  const zoneLines: string[] = [];
  for (const z of zones) {
    const file = join(dir, `${z.origin}.zone`);
    writeFileSync(file, z.text);
    zoneLines.push(`  - domain: ${z.origin}`, `    file: ${file}`);
    if (z.sign) zoneLines.push('    dnssec-signing: on', '    dnssec-policy: test');
  }
  const conf = [
    'server:',
    `  listen: [ ${[`${address}@${port}`, ...(opts.also ?? [])].join(', ')} ]`,
    `  rundir: ${dir}`,
    '  udp-workers: 1',
    '  tcp-workers: 1',
    '  background-workers: 1',
    'log:',
    '  - target: stderr',
    '    any: warning',
    'database:',
    `  storage: ${dir}`,
    'policy:',
    '  - id: test',
    '    algorithm: ecdsap256sha256',
    '    nsec3: off',
    'zone:',
    ...zoneLines,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'knot.conf'), conf);
  const [knotFile, knotArgs] = inNamespace(opts.netns, ['knotd', '-c', join(dir, 'knot.conf')]);
  const child: ChildProcess = spawn(knotFile, knotArgs, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when every zone answers its SOA (and, signed, its DNSKEY).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`knotd exited: ${stderr.trim()}`);
    }
    const ready = zones.every((z) => {
      const soa = dig(
        [`@${address}`, '-p', String(port), z.origin, 'SOA', '+short', '+tries=1', '+time=1'],
        opts.netns,
      );
      if (!soa.trim()) return false;
      return (
        !z.sign ||
        dig(
          [`@${address}`, '-p', String(port), z.origin, 'DNSKEY', '+short', '+tries=1', '+time=1'],
          opts.netns,
        ).trim() !== ''
      );
    });
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`knotd on ${address}@${port} not ready: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address, port, pid: child.pid!, stop };
}
