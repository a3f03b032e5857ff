import type { ParseIssue } from './errors.js';

/**
 * Protocol counters by group, then name: `counters.Tcp.ActiveOpens`, `counters.TcpExt.ListenDrops`,
 * `counters.Udp6.InDatagrams`. Values are numbers: exact below 2^53, which no counter reaches
 * in practice (it is 9 PB of octets).
 */
export type ProtocolCounters = Record<string, Record<string, number>>;

export interface ParsedCounters {
  readonly counters: ProtocolCounters;
  readonly issues: ParseIssue[];
}

/**
 * Parses /proc/net/snmp and /proc/net/netstat: pairs of lines, `Tcp: RtoAlgorithm RtoMin ...` and
 * `Tcp: 1 200 ...`. Pure. A pair whose lengths differ is reported and skipped.
 */
export function parseSnmpPairs(text: string, source: string): ParsedCounters {
  const counters: ProtocolCounters = {};
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i]!;
    if (head.trim() === '') continue;
    const colon = head.indexOf(':');
    if (colon <= 0) {
      issues.push({ source, line: i + 1, reason: 'no group name' });
      continue;
    }
    const group = head.slice(0, colon);
    const values = lines[i + 1];
    if (values === undefined || !values.startsWith(`${group}:`)) {
      issues.push({ source, line: i + 1, reason: `'${group}' names without a line of values` });
      continue;
    }
    i++;
    const names = head
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const nums = values
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (names.length !== nums.length) {
      issues.push({
        source,
        line: i + 1,
        reason: `'${group}' has ${names.length} names and ${nums.length} values`,
      });
      continue;
    }
    const g: Record<string, number> = counters[group] ?? {};
    let ok = true;
    names.forEach((name, k) => {
      const v = nums[k]!;
      if (!/^-?\d{1,20}$/.test(v)) ok = false;
      else g[name] = Number(v);
    });
    if (!ok) issues.push({ source, line: i + 1, reason: `'${group}' has a value that is not a number` });
    counters[group] = g;
  }
  return { counters, issues };
}

/** Parses /proc/net/snmp6 (`Ip6InReceives   123` per line) into groups Ip6, Icmp6, Udp6, UdpLite6. Pure. */
export function parseSnmp6(text: string): ParsedCounters {
  const counters: ProtocolCounters = {};
  const issues: ParseIssue[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^([A-Za-z]+6)(\w+)\s+(-?\d{1,20})$/.exec(line);
    if (!m) {
      issues.push({ source: 'snmp6', line: i + 1, reason: 'expected a name and a number' });
      return;
    }
    const group = counters[m[1]!] ?? {};
    group[m[2]!] = Number(m[3]);
    counters[m[1]!] = group;
  });
  return { counters, issues };
}

/** Merges counter sets (snmp, netstat, snmp6 have disjoint groups; a later group adds to an earlier one). */
export function mergeCounters(...sets: readonly ProtocolCounters[]): ProtocolCounters {
  const out: ProtocolCounters = {};
  for (const set of sets)
    for (const [group, values] of Object.entries(set)) out[group] = { ...out[group], ...values };
  return out;
}

/** `after - before` for every counter in `after` (a counter new in `after` counts from 0). */
export function counterDelta(before: ProtocolCounters, after: ProtocolCounters): ProtocolCounters {
  const out: ProtocolCounters = {};
  for (const [group, values] of Object.entries(after)) {
    const b = before[group] ?? {};
    const d: Record<string, number> = {};
    for (const [name, v] of Object.entries(values)) d[name] = v - (b[name] ?? 0);
    out[group] = d;
  }
  return out;
}
