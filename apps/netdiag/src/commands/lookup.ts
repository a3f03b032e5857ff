import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import {
  DnsError,
  escapeControl,
  keptConnections,
  loadResolvConf,
  type NameServer,
  type QueryOptions,
  query,
  reverseName,
  serverAddress,
  type TransportName,
  trace,
  typeCode,
} from '@netdiag/dns-client';
import { numberFlag, parseCommandArgs } from '../args.js';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import { dropAfterOpen } from '../privilege.js';
import {
  formatDig,
  formatJson,
  formatNslookup,
  formatShort,
  formatTraceStep,
  type Outcome,
} from './lookup-format.js';

export const usage = `usage: netdiag lookup NAME... [TYPE...] [@SERVER] [options]

Asks a DNS server, like nslookup (default), dig (--dig) or dig +short (--short).

  NAME                  name to look up; several names or types make one query each
  TYPE                  A AAAA CNAME MX NS SOA TXT SRV PTR CAA DS DNSKEY RRSIG NSEC HTTPS SVCB ANY, TYPEnnn
  @SERVER               server address (IPv4 or IPv6, optionally [addr]:port); default /etc/resolv.conf
  -x, --reverse ADDR    reverse lookup (PTR) of an IPv4 or IPv6 address
  -p, --port PORT       server port (53; 853 with --tls)
      --tcp             query over TCP (UDP falls back to TCP by itself on a truncated answer)
      --tls             DNS over TLS (RFC 7858)
      --https URL       DNS over HTTPS (RFC 8484), e.g. https://192.0.2.1/dns-query
      --https-get       with --https: GET, the query in the URL, instead of POST (dig +https-get)
      --ca FILE         PEM trust anchors for --tls/--https (default: the system store)
      --tls-name NAME   name the server's certificate must carry (default: its address)
      --trace, +trace   resolve iteratively from the root, showing each delegation
      --root ADDR       root server address for --trace (repeatable; default: the IANA roots)
      --dnssec          set the DO bit (ask for RRSIG, NSEC, ...)
      --nsid            ask the server for its NSID
      --bufsize BYTES   EDNS UDP buffer size to advertise (default 1232)
      --noedns          send no OPT record (plain RFC 1035 query)
      --norecurse       clear the RD bit
  -t, --timeout SEC     time for the first try (default 5; doubled on each retry round)
      --tries N         rounds over the servers (default 2)
      --dig             dig's sections: header, question, answer, authority, additional, stats
      --short           RDATA only, one record per line
      --json            machine-readable, one object per question
  -h, --help

Exit codes: 0 every question answered with records; 1 a server answered but without records
(NXDOMAIN, no data, SERVFAIL, REFUSED); 2 bad input, or no server could be reached.`;

/** dig-style `+word` flags accepted beside the long options. */
const PLUS_FLAGS: Record<string, string> = {
  '+trace': '--trace',
  '+short': '--short',
  '+tcp': '--tcp',
  '+dnssec': '--dnssec',
  '+nsid': '--nsid',
  '+norecurse': '--norecurse',
  '+norec': '--norecurse',
  '+noedns': '--noedns',
  '+https-get': '--https-get',
};

interface Plan {
  readonly questions: readonly { name: string; type: string }[];
  readonly options: QueryOptions;
  readonly output: 'nslookup' | 'dig' | 'short' | 'json';
  readonly trace: boolean;
  readonly roots: readonly NameServer[];
  readonly port: number | undefined;
  readonly command: string;
  readonly needSystemServers: boolean;
}

export async function parseLookupArgs(
  argv: string[],
  readText: (path: string) => Promise<string>,
): Promise<Plan> {
  const args = argv.map((a) => {
    if (!a.startsWith('+')) return a;
    const long = PLUS_FLAGS[a];
    if (!long)
      throw new UsageError(`lookup: unknown option '${escapeControl(a)}'; see 'netdiag lookup --help'`);
    return long;
  });
  const { values, positionals } = parseCommandArgs('lookup', args, {
    reverse: { type: 'string', short: 'x', multiple: true },
    port: { type: 'string', short: 'p' },
    tcp: { type: 'boolean' },
    tls: { type: 'boolean' },
    https: { type: 'string' },
    'https-get': { type: 'boolean' },
    ca: { type: 'string' },
    'tls-name': { type: 'string' },
    trace: { type: 'boolean' },
    root: { type: 'string', multiple: true },
    dnssec: { type: 'boolean' },
    nsid: { type: 'boolean' },
    bufsize: { type: 'string' },
    noedns: { type: 'boolean' },
    norecurse: { type: 'boolean' },
    timeout: { type: 'string', short: 't' },
    tries: { type: 'string' },
    dig: { type: 'boolean' },
    short: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) throw new HelpRequested();

  const names: string[] = [];
  const types: string[] = [];
  const servers: string[] = [];
  for (const p of positionals) {
    if (p.startsWith('@')) servers.push(p.slice(1));
    else if (names.length > 0 && typeCode(p) !== undefined) types.push(p.toUpperCase());
    else names.push(p);
  }
  const reverse = values.reverse ?? [];
  for (const a of reverse)
    if (!isIP(a)) throw new UsageError(`lookup: -x takes an IP address, not '${escapeControl(a)}'`);
  if (names.length === 0 && reverse.length === 0)
    throw new UsageError("lookup: give a NAME or -x ADDRESS; see 'netdiag lookup --help'");
  for (const n of names) {
    if (n.length > 1024 || /[\s\u0000-\u001f]/.test(n))
      throw new UsageError(`lookup: '${escapeControl(n)}' is not a domain name`);
  }

  const modes = [values.dig, values.short, values.json].filter(Boolean).length;
  if (modes > 1) throw new UsageError('lookup: choose one of --dig, --short, --json');
  const output = values.json ? 'json' : values.dig ? 'dig' : values.short ? 'short' : 'nslookup';
  const transports = [values.tcp, values.tls, values.https !== undefined].filter(Boolean).length;
  if (transports > 1) throw new UsageError('lookup: choose one of --tcp, --tls, --https');
  if (values['https-get'] && values.https === undefined)
    throw new UsageError('lookup: --https-get goes with --https URL');
  const transport: TransportName =
    values.https !== undefined ? 'https' : values.tls ? 'tls' : values.tcp ? 'tcp' : 'udp';
  if (values.trace && (transport === 'tls' || transport === 'https'))
    throw new UsageError('lookup: --trace asks authoritative servers over UDP or TCP only');

  const port = numberFlag('lookup', '--port', values.port, { min: 1, max: 65535, integer: true });
  const timeout = numberFlag('lookup', '--timeout', values.timeout, { min: 0.001, max: 300 });
  const bufsize = numberFlag('lookup', '--bufsize', values.bufsize, { min: 512, max: 65535, integer: true });
  if (values.noedns && (values.dnssec || values.nsid || bufsize !== undefined)) {
    throw new UsageError('lookup: --noedns cannot carry --dnssec, --nsid or --bufsize');
  }
  const tries = numberFlag('lookup', '--tries', values.tries, { min: 1, max: 10, integer: true });
  for (const s of servers) {
    try {
      serverAddress(s, 53);
    } catch {
      throw new UsageError(
        `lookup: @${escapeControl(s)} is not a server address (give an IP address; names are not resolved to find a server)`,
      );
    }
  }
  const roots = (values.root ?? []).map((r, i) => {
    if (!isIP(r)) throw new UsageError(`lookup: --root takes an IP address, not '${escapeControl(r)}'`);
    return { name: `root${i + 1}.`, address: r };
  });

  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = await readText(values.ca);
    } catch (err) {
      throw new UsageError(
        `lookup: cannot read --ca ${escapeControl(values.ca)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  const defaultTypes = output === 'nslookup' ? ['A', 'AAAA'] : ['A'];
  const questions = [
    ...names.flatMap((name) => (types.length ? types : defaultTypes).map((type) => ({ name, type }))),
    ...reverse.map((a) => ({ name: reverseName(a), type: 'PTR' })),
  ];
  const tlsName = values['tls-name'];
  const options: QueryOptions = {
    servers,
    transport,
    ...(port !== undefined ? { port } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(tries !== undefined ? { attempts: tries } : {}),
    ...(values.https !== undefined
      ? {
          https: {
            url: values.https,
            ...(ca ? { ca } : {}),
            ...(values['https-get'] ? { method: 'GET' as const } : {}),
          },
        }
      : {}),
    ...(transport === 'tls'
      ? { tls: { ...(ca ? { ca } : {}), ...(tlsName ? { serverName: tlsName } : {}) } }
      : {}),
    recursionDesired: !values.norecurse,
    edns: values.noedns
      ? false
      : {
          dnssecOk: values.dnssec ?? false,
          nsid: values.nsid ?? false,
          ...(bufsize !== undefined ? { udpSize: bufsize } : {}),
        },
  };
  return {
    questions,
    options,
    output,
    trace: values.trace ?? false,
    roots,
    port,
    command: argv.join(' '),
    needSystemServers: servers.length === 0 && transport !== 'https' && !values.trace,
  };
}

class HelpRequested extends Error {}

function worse(a: ExitCode, b: ExitCode): ExitCode {
  return Math.max(a, b) as ExitCode;
}

function outcomeCode(o: Outcome): ExitCode {
  if (o.kind === 'error') return ExitCode.Error;
  const m = o.response.message;
  return m.rcode === 'NOERROR' && m.answers.some((r) => r.type !== 'RRSIG') ? ExitCode.Ok : ExitCode.NoAnswer;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let plan: Plan;
  try {
    plan = await parseLookupArgs(args, (p) => readFile(p, 'utf8'));
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout.write(`${usage}\n`);
      return ExitCode.Ok;
    }
    if (err instanceof DnsError) throw new UsageError(`lookup: ${escapeControl(err.message)}`);
    throw err;
  }
  // DNS needs no privilege: drop it before the first answer is parsed.
  await dropAfterOpen('lookup', undefined, io);
  if (plan.trace) return runTrace(plan, io);

  let options = plan.options;
  if (plan.needSystemServers) {
    const conf = await loadResolvConf((p) => readFile(p, 'utf8'));
    options = {
      ...options,
      servers: conf.nameservers,
      timeoutMs: options.timeoutMs ?? conf.timeoutMs,
      attempts: options.attempts ?? conf.attempts,
    };
  }
  const outcomes: Outcome[] = [];
  // Several questions over TCP or TLS share one connection, as dig +keepopen does.
  const streams = keptConnections();
  try {
    for (const q of plan.questions) {
      if (io.signal.aborted) break;
      try {
        const response = await query(q.name, q.type, { ...options, signal: io.signal, streams });
        outcomes.push({ kind: 'response', ...q, response });
      } catch (err) {
        if (err instanceof DnsError && err.code === 'ABORTED') break;
        if (err instanceof DnsError && err.code === 'BAD_INPUT')
          throw new UsageError(`lookup: ${escapeControl(err.message)}`);
        if (!(err instanceof DnsError)) throw err;
        outcomes.push({ kind: 'error', ...q, message: err.message });
      }
    }
  } finally {
    streams.close();
  }
  if (outcomes.length === 0) return ExitCode.Error;
  const failed = outcomes.filter((o): o is Extract<Outcome, { kind: 'error' }> => o.kind === 'error');
  if (plan.output !== 'json' && failed.length === outcomes.length) {
    // Nothing reached: one line on stderr (exit 2), not a page of empty sections.
    throw new CliError(`lookup: ${escapeControl(failed[0]!.message)}`, ExitCode.Error);
  }
  const text =
    plan.output === 'json'
      ? formatJson(outcomes)
      : plan.output === 'dig'
        ? formatDig(outcomes, plan.command, new Date())
        : plan.output === 'short'
          ? formatShort(outcomes)
          : formatNslookup(outcomes);
  io.stdout.write(text);
  const code = outcomes.map(outcomeCode).reduce(worse, ExitCode.Ok);
  return code;
}

async function runTrace(plan: Plan, io: CommandIo): Promise<number> {
  let code: ExitCode = ExitCode.Ok;
  const json: unknown[] = [];
  for (const q of plan.questions) {
    try {
      let last: Outcome | undefined;
      for await (const step of trace(q.name, q.type, {
        ...(plan.roots.length ? { rootHints: plan.roots } : {}),
        ...(plan.port !== undefined ? { port: plan.port } : {}),
        transport: plan.options.transport === 'tcp' ? 'tcp' : 'udp',
        ...(plan.options.timeoutMs !== undefined ? { timeoutMs: plan.options.timeoutMs } : {}),
        ...(plan.options.attempts !== undefined ? { attempts: plan.options.attempts } : {}),
        dnssecOk: plan.options.edns !== false && plan.options.edns?.dnssecOk === true,
        signal: io.signal,
      })) {
        if (plan.output === 'json') {
          json.push({
            zone: step.zone,
            server: step.server,
            referral: step.referral ?? null,
            response: JSON.parse(formatJson([{ kind: 'response', ...q, response: step.response }]))[0],
          });
        } else io.stdout.write(`${formatTraceStep(step)}\n`);
        last = { kind: 'response', ...q, response: step.response };
      }
      code = worse(code, last ? outcomeCode(last) : ExitCode.NoAnswer);
    } catch (err) {
      if (!(err instanceof DnsError)) throw err;
      if (err.code === 'ABORTED') break;
      if (err.code === 'BAD_INPUT') throw new UsageError(`lookup: ${escapeControl(err.message)}`);
      io.stderr.write(`netdiag: lookup: ${escapeControl(err.message)}\n`);
      code = ExitCode.Error;
    }
  }
  if (plan.output === 'json') io.stdout.write(`${JSON.stringify(json, (_k, v) => v, 2)}\n`);
  return code;
}
