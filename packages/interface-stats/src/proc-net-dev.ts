import type { Counters } from './types.js';

export class ProcNetDevParseError extends Error {
  override readonly name = 'ProcNetDevParseError';
  constructor(
    readonly line: number,
    readonly text: string,
  ) {
    super(`/proc/net/dev line ${line}: cannot parse ${JSON.stringify(text.slice(0, 80))}`);
  }
}

/**
 * Parses /proc/net/dev: every interface's counters in one read, which is why the sampler uses it
 * rather than eight sysfs files per interface. Columns (fixed since Linux 2.6): receive bytes
 * packets errs drop fifo frame compressed multicast, then transmit bytes packets errs drop fifo
 * colls carrier compressed. The name ends at the last ':' (names may contain ':', not spaces).
 */
export function parseProcNetDev(text: string): Map<string, Counters> {
  const out = new Map<string, Counters>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i < 2 || line.trim() === '') continue; // two header lines
    const colon = line.lastIndexOf(':');
    if (colon < 0) throw new ProcNetDevParseError(i + 1, line);
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (name === '' || fields.length < 16 || !fields.every((f) => /^\d+$/.test(f))) {
      throw new ProcNetDevParseError(i + 1, line);
    }
    const n = fields.map((f) => BigInt(f));
    out.set(name, {
      rxBytes: n[0]!,
      rxPackets: n[1]!,
      rxErrors: n[2]!,
      rxDropped: n[3]!,
      txBytes: n[8]!,
      txPackets: n[9]!,
      txErrors: n[10]!,
      txDropped: n[11]!,
    });
  }
  return out;
}
