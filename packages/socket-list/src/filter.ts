import ipaddr from 'ipaddr.js';
import { SocketListError } from './errors.js';
import type { InetState, SocketRecord, TcpState, UnixState } from './types.js';
import { TCP_STATES } from './types.js';

/** Comparison in a port predicate: `sport = :443`, `dport > :1024`. */
export type PortComparison = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';

/** An address range (with an optional port) as ss writes it: `192.0.2.0/24`, `[2001:db8::1]:443`, `:22`. */
export interface AddressPattern {
  /** null: any address (`:22`). */
  readonly range: readonly [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
  /** null: any port. */
  readonly port: number | null;
}

/** A parsed ss-style expression. `src`/`dst` are local/remote (ss's names). */
export type FilterExpression =
  | {
      readonly kind: 'port';
      readonly side: 'local' | 'remote';
      readonly op: PortComparison;
      readonly port: number;
    }
  | {
      readonly kind: 'address';
      readonly side: 'local' | 'remote';
      readonly negated: boolean;
      readonly pattern: AddressPattern;
    }
  | { readonly kind: 'not'; readonly operand: FilterExpression }
  | { readonly kind: 'and' | 'or'; readonly left: FilterExpression; readonly right: FilterExpression };

/** A parsed filter: the states to keep (null: all) and an expression (null: everything). */
export interface SocketFilter {
  readonly states: ReadonlySet<TcpState> | null;
  readonly expression: FilterExpression | null;
}

/** ss's state names (`state fin-wait-1`) to kernel states. */
const STATE_NAMES: Readonly<Record<string, TcpState>> = {
  established: 'ESTABLISHED',
  'syn-sent': 'SYN_SENT',
  'syn-recv': 'SYN_RECV',
  'fin-wait-1': 'FIN_WAIT1',
  'fin-wait-2': 'FIN_WAIT2',
  'time-wait': 'TIME_WAIT',
  closed: 'CLOSE',
  unconnected: 'CLOSE',
  'close-wait': 'CLOSE_WAIT',
  'last-ack': 'LAST_ACK',
  listening: 'LISTEN',
  listen: 'LISTEN',
  closing: 'CLOSING',
};
const ALL: readonly TcpState[] = TCP_STATES.filter((s) => s !== 'NEW_SYN_RECV' && s !== 'BOUND_INACTIVE');
const CONNECTED = ALL.filter((s) => s !== 'LISTEN' && s !== 'CLOSE');
/** ss's state groups. */
const STATE_GROUPS: Readonly<Record<string, readonly TcpState[]>> = {
  all: ALL,
  connected: CONNECTED,
  synchronized: CONNECTED.filter((s) => s !== 'SYN_SENT'),
  bucket: ['SYN_RECV', 'TIME_WAIT'],
  big: ALL.filter((s) => s !== 'SYN_RECV' && s !== 'TIME_WAIT'),
};

/** Service names accepted after `:` (ss takes them from /etc/services; these are the common ones). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  http: 80,
  pop3: 110,
  ntp: 123,
  imap: 143,
  snmp: 161,
  ldap: 389,
  https: 443,
  submission: 587,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
};

const fail = (message: string): never => {
  throw new SocketListError('BAD_FILTER', message);
};

/** Splits filter words into tokens: parentheses and operators may be glued to words (`(sport`). */
export function tokenizeFilter(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words.join(' ').match(/\(|\)|&&|\|\||!=|==|>=|<=|[!&|=<>]|[^\s()!&|=<>]+/g) ?? [])
    out.push(w);
  return out;
}

const COMPARISONS: Readonly<Record<string, PortComparison>> = {
  '=': 'eq',
  '==': 'eq',
  eq: 'eq',
  '!=': 'ne',
  ne: 'ne',
  neq: 'ne',
  '>': 'gt',
  gt: 'gt',
  '<': 'lt',
  lt: 'lt',
  '>=': 'ge',
  ge: 'ge',
  geq: 'ge',
  '<=': 'le',
  le: 'le',
  leq: 'le',
};

function parsePort(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 65535) return n;
    return fail(`port ${text} is out of range (0-65535)`);
  }
  const named = SERVICE_PORTS[text.toLowerCase()];
  return named ?? fail(`unknown service name '${text}' (use a port number)`);
}

/** Parses `ADDR`, `ADDR/LEN`, `ADDR:PORT`, `[V6]:PORT`, `[V6]/LEN`, `:PORT`, `*:PORT`. */
export function parseAddressPattern(text: string): AddressPattern {
  let addr = text;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?:\/(\d+))?(?::(\w+))?$/.exec(text);
  if (bracket) {
    addr = bracket[2] === undefined ? bracket[1]! : `${bracket[1]}/${bracket[2]}`;
    if (bracket[3] !== undefined) port = parsePort(bracket[3]);
  } else {
    const colons = (text.match(/:/g) ?? []).length;
    if (colons === 1) {
      const i = text.indexOf(':');
      addr = text.slice(0, i);
      port = parsePort(text.slice(i + 1));
    }
  }
  if (addr === '' || addr === '*') return { range: null, port };
  try {
    const range = addr.includes('/')
      ? ipaddr.parseCIDR(addr)
      : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as const)(ipaddr.parse(addr));
    return { range: [range[0], range[1]], port };
  } catch {
    return fail(`'${text}' is not an address, prefix or port`);
  }
}

/**
 * Parses an ss-style filter: `[state NAME]... [exclude NAME]... [EXPRESSION]`, where EXPRESSION
 * combines `sport|dport OP :PORT`, `src|dst [!=] ADDR[/LEN][:PORT]` with `and`/`or`/`not`
 * (`&&`, `||`, `!`) and parentheses; juxtaposition means `and`, as in ss. Throws SocketListError
 * BAD_FILTER with a message that names the offending word.
 */
export function parseFilter(words: readonly string[]): SocketFilter {
  const t = tokenizeFilter(words);
  let i = 0;
  let states: Set<TcpState> | null = null;
  const excluded = new Set<TcpState>();
  while (t[i] === 'state' || t[i] === 'exclude') {
    const verb = t[i++]!;
    const name = t[i++];
    if (name === undefined) fail(`'${verb}' needs a state name`);
    const group = STATE_GROUPS[name!] ?? (STATE_NAMES[name!] ? [STATE_NAMES[name!]!] : undefined);
    if (group === undefined) {
      fail(
        `unknown state '${name}' (one of ${[...Object.keys(STATE_NAMES), ...Object.keys(STATE_GROUPS)].join(', ')})`,
      );
    }
    if (verb === 'state') {
      states ??= new Set();
      for (const s of group!) states.add(s);
    } else for (const s of group!) excluded.add(s);
  }
  if (excluded.size > 0) {
    states ??= new Set(ALL);
    for (const s of excluded) states.delete(s);
  }

  const peek = () => t[i];
  const next = () => t[i++];
  const parseOr = (): FilterExpression => {
    let left = parseAnd();
    while (peek() === 'or' || peek() === '||' || peek() === '|') {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const startsOperand = (tok: string | undefined) =>
    tok !== undefined && tok !== ')' && tok !== 'or' && tok !== '||' && tok !== '|';
  const parseAnd = (): FilterExpression => {
    let left = parseNot();
    for (;;) {
      const tok = peek();
      if (tok === 'and' || tok === '&&' || tok === '&') {
        next();
        left = { kind: 'and', left, right: parseNot() };
      } else if (startsOperand(tok)) left = { kind: 'and', left, right: parseNot() };
      else return left;
    }
  };
  const parseNot = (): FilterExpression => {
    const tok = peek();
    if (tok === 'not' || tok === '!') {
      next();
      return { kind: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): FilterExpression => {
    const tok = next();
    if (tok === undefined) return fail('the filter ends where an expression should follow');
    if (tok === '(') {
      const e = parseOr();
      if (next() !== ')') fail("missing ')'");
      return e;
    }
    if (tok === 'sport' || tok === 'dport') {
      const side = tok === 'sport' ? 'local' : 'remote';
      let op: PortComparison = 'eq';
      const maybeOp = COMPARISONS[peek() ?? ''];
      if (maybeOp !== undefined) {
        op = maybeOp;
        next();
      }
      const value = next();
      if (value === undefined) return fail(`'${tok}' needs a port, as in '${tok} = :443'`);
      const pattern = parseAddressPattern(value.startsWith(':') || value.includes(':') ? value : `:${value}`);
      if (pattern.port === null || pattern.range !== null)
        return fail(`'${tok}' takes a port (':443'), not '${value}'`);
      return { kind: 'port', side, op, port: pattern.port };
    }
    if (tok === 'src' || tok === 'dst') {
      const side = tok === 'src' ? 'local' : 'remote';
      let negated = false;
      const maybeOp = COMPARISONS[peek() ?? ''];
      if (maybeOp === 'eq' || maybeOp === 'ne') {
        negated = maybeOp === 'ne';
        next();
      } else if (maybeOp !== undefined) fail(`'${tok}' compares with = or != only`);
      const value = next();
      if (value === undefined) return fail(`'${tok}' needs an address, as in '${tok} 192.0.2.0/24'`);
      return { kind: 'address', side, negated, pattern: parseAddressPattern(value) };
    }
    return fail(`unexpected '${tok}' in the filter (expected sport, dport, src, dst, not or '(')`);
  };

  const expression = i < t.length ? parseOr() : null;
  if (i < t.length) fail(`unexpected '${t[i]}' in the filter`);
  return { states, expression };
}

/** The state a filter sees for a UNIX socket, as ss maps them. */
const UNIX_AS_TCP: Readonly<Record<UnixState, TcpState | undefined>> = {
  LISTEN: 'LISTEN',
  CONNECTED: 'ESTABLISHED',
  UNCONNECTED: 'CLOSE',
  CONNECTING: 'SYN_SENT',
  DISCONNECTING: 'CLOSING',
  UNKNOWN: undefined,
};

function compare(a: number, op: PortComparison, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'lt':
      return a < b;
    case 'ge':
      return a >= b;
    case 'le':
      return a <= b;
  }
}

/**
 * Builds a predicate from a filter. Address and port predicates are false for UNIX sockets (as
 * in ss). Parsed socket addresses are cached inside the predicate: a listing repeats a few
 * addresses many times.
 */
export function compileFilter(filter: SocketFilter): (socket: SocketRecord) => boolean {
  const parsed = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();
  const parse = (text: string) => {
    let a = parsed.get(text);
    if (a === undefined) {
      try {
        const p = ipaddr.parse(text);
        a =
          p.kind() === 'ipv6' && (p as ipaddr.IPv6).isIPv4MappedAddress()
            ? (p as ipaddr.IPv6).toIPv4Address()
            : p;
      } catch {
        a = null;
      }
      parsed.set(text, a);
    }
    return a;
  };
  const inRange = (text: string, pattern: AddressPattern) => {
    if (pattern.range === null) return true;
    const a = parse(text);
    return (
      a !== null && a.kind() === pattern.range[0].kind() && a.match(pattern.range as [ipaddr.IPv4, number])
    );
  };
  const evaluate = (e: FilterExpression, s: SocketRecord): boolean => {
    switch (e.kind) {
      case 'and':
        return evaluate(e.left, s) && evaluate(e.right, s);
      case 'or':
        return evaluate(e.left, s) || evaluate(e.right, s);
      case 'not':
        return !evaluate(e.operand, s);
      case 'port':
        if (s.protocol === 'unix') return false;
        return compare(e.side === 'local' ? s.localPort : s.remotePort, e.op, e.port);
      case 'address': {
        if (s.protocol === 'unix') return false;
        const [addr, port] =
          e.side === 'local' ? [s.localAddress, s.localPort] : [s.remoteAddress, s.remotePort];
        const hit = (e.pattern.port === null || e.pattern.port === port) && inRange(addr, e.pattern);
        return hit !== e.negated;
      }
    }
  };
  const { states, expression } = filter;
  return (s) => {
    if (states !== null) {
      const st: InetState | undefined = s.protocol === 'unix' ? UNIX_AS_TCP[s.state] : s.state;
      if (st === undefined || st === 'UNKNOWN' || !states.has(st)) return false;
    }
    return expression === null || evaluate(expression, s);
  };
}

/**
 * Whether a socket waits for peers: a TCP listener, an unconnected UDP or raw socket (ss -l shows
 * them as UNCONN), a UNIX socket that called listen(). `netstat -l` shows these, plain `netstat`
 * the others.
 */
export function isListening(s: SocketRecord): boolean {
  if (s.protocol === 'unix') return s.state === 'LISTEN';
  if (s.protocol === 'tcp') return s.state === 'LISTEN';
  return s.state === 'CLOSE';
}
