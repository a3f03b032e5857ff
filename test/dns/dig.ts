import { spawnSync } from 'node:child_process';

/** One answer line from dig, split as dig prints it: owner, TTL, class, type, RDATA. */
export interface DigRecord {
  readonly name: string;
  readonly ttl: number;
  readonly class: string;
  readonly type: string;
  readonly rdata: string;
}

/** Runs dig (bind9 dnsutils) and returns stdout; throws with stderr when dig fails. */
export function dig(args: readonly string[]): string {
  const r = spawnSync('dig', args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`dig ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Parses `+noall +answer` (or any section) lines, ignoring comments. */
export function parseDigRecords(text: string): DigRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(';'))
    .map((l) => {
      const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`unexpected dig line: ${l}`);
      return { name: m[1]!, ttl: Number(m[2]), class: m[3]!, type: m[4]!, rdata: m[5]!.trimEnd() };
    });
}

/** dig's status and flags from its header comment. */
export function digHeader(text: string): { status: string; flags: string[] } {
  const status = /status: (\w+)/.exec(text)?.[1] ?? '';
  const flags = (/;; flags: ([^;]*);/.exec(text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  return { status, flags };
}
