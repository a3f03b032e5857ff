import { addressFamily } from '@netdiag/address';

/** What /etc/resolv.conf says, with glibc's defaults and limits (resolv.conf(5)). */
export interface ResolvConf {
  /** In file order; glibc uses at most 3. */
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  /** Names with at least this many dots are tried as given before the search list. */
  readonly ndots: number;
  /** Per try, in milliseconds (the file counts seconds). */
  readonly timeoutMs: number;
  /** Rounds over all nameservers. */
  readonly attempts: number;
  /** Start at a different nameserver each query, spreading load. */
  readonly rotate: boolean;
  /** `options use-vc`: always TCP. */
  readonly useTcp: boolean;
  readonly edns0: boolean;
}

export const RESOLV_CONF_DEFAULTS: ResolvConf = {
  nameservers: [],
  search: [],
  ndots: 1,
  timeoutMs: 5000,
  attempts: 2,
  rotate: false,
  useTcp: false,
  edns0: false,
};

const MAX_NAMESERVERS = 3;

function clampInt(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Math.min(Number(text), max);
}

/**
 * Parses resolv.conf text. Pure: the caller reads the file. Unknown lines are ignored as the
 * C library ignores them; `domain` and `search` each replace the list, the last one wins.
 */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  let { ndots, timeoutMs, attempts, rotate, useTcp, edns0 } = RESOLV_CONF_DEFAULTS;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [keyword, ...rest] = line.split(/\s+/);
    switch (keyword) {
      case 'nameserver': {
        const addr = rest[0];
        // Keep a zone index (fe80::1%eth0) attached; check the address part only.
        if (addr && addressFamily(addr.split('%')[0]!) && nameservers.length < MAX_NAMESERVERS)
          nameservers.push(addr);
        break;
      }
      case 'domain':
        search = rest.slice(0, 1);
        break;
      case 'search':
        search = rest.filter((s) => s !== '.');
        break;
      case 'options':
        for (const opt of rest) {
          const [name, value] = opt.split(':');
          if (name === 'ndots') ndots = clampInt(value, 15) ?? ndots;
          else if (name === 'timeout') timeoutMs = (clampInt(value, 30) ?? timeoutMs / 1000) * 1000;
          else if (name === 'attempts') attempts = clampInt(value, 5) ?? attempts;
          else if (name === 'rotate') rotate = true;
          else if (name === 'use-vc' || name === 'usevc') useTcp = true;
          else if (name === 'edns0') edns0 = true;
        }
        break;
      default:
        break;
    }
  }
  return {
    nameservers,
    search: search.map((s) => s.replace(/\.$/, '')),
    ndots,
    timeoutMs,
    attempts: Math.max(attempts, 1),
    rotate,
    useTcp,
    edns0,
  };
}

/**
 * Reads the system configuration through `readFile` (so tests and sandboxes pass their own).
 * With no nameserver line, glibc falls back to the local host.
 */
export async function loadResolvConf(
  readFile: (path: string) => Promise<string>,
  path = '/etc/resolv.conf',
): Promise<ResolvConf> {
  let text = '';
  try {
    text = await readFile(path);
  } catch (err) {
    // A missing or unreadable file means the defaults, as in the C library; a process out of
    // descriptors or memory has not read the file, and asking 127.0.0.1 instead would mislead.
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM') throw err;
  }
  const conf = parseResolvConf(text);
  return conf.nameservers.length ? conf : { ...conf, nameservers: ['127.0.0.1'] };
}

/**
 * The names to try for `name`, in order (resolv.conf(5)): an absolute name (trailing dot) only
 * as given; with at least `ndots` dots, as given first, then with each search domain; otherwise
 * the search domains first and the name as given last.
 */
export function searchCandidates(name: string, conf: Pick<ResolvConf, 'search' | 'ndots'>): string[] {
  if (name.endsWith('.')) return [name];
  const dots = (name.match(/(?<!\\)\./g) ?? []).length;
  const withSearch = conf.search.map((d) => `${name}.${d}.`);
  return dots >= conf.ndots ? [`${name}.`, ...withSearch] : [...withSearch, `${name}.`];
}
