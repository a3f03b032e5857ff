// The hops the real tools print, as lists a test compares with netdiag's.

/** The first address on each hop line of `traceroute -n`, '*' where every probe was silent. */
export function tracerouteHops(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => /^\s*\d+\s+(?:\*\s+)*([0-9a-f:.]+)/i.exec(l)?.[1] ?? '*');
}

/** The host of each hop of `mtr -n --report`, '*' for mtr's `???`. */
export function mtrHops(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^\s*\d+\.\|--\s+(\S+)/.exec(l)?.[1])
    .filter((h): h is string => h !== undefined)
    .map((h) => (h === '???' ? '*' : h));
}
