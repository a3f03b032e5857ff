import { DnsError } from './errors.js';
import { canonicalName, sameName } from './message.js';
import { type DnsResponse, parseType, query } from './query.js';
import type { RecordOf } from './records.js';

/** A name server known by name and address (root hints, or glue). */
export interface NameServer {
  readonly name: string;
  readonly address: string;
}

/**
 * The IANA root servers' IPv4 addresses (named.root). Used only when the caller gives no hints:
 * tests and the lab pass a root of their own.
 */
export const ROOT_HINTS: readonly NameServer[] = [
  { name: 'a.root-servers.net.', address: '198.41.0.4' },
  { name: 'b.root-servers.net.', address: '170.247.170.2' },
  { name: 'c.root-servers.net.', address: '192.33.4.12' },
  { name: 'd.root-servers.net.', address: '199.7.91.13' },
  { name: 'e.root-servers.net.', address: '192.203.230.10' },
  { name: 'f.root-servers.net.', address: '192.5.5.241' },
  { name: 'g.root-servers.net.', address: '192.112.36.4' },
  { name: 'h.root-servers.net.', address: '198.97.190.53' },
  { name: 'i.root-servers.net.', address: '192.36.148.17' },
  { name: 'j.root-servers.net.', address: '192.58.128.30' },
  { name: 'k.root-servers.net.', address: '193.0.14.129' },
  { name: 'l.root-servers.net.', address: '199.7.83.42' },
  { name: 'm.root-servers.net.', address: '202.12.27.33' },
];

export interface TraceOptions {
  readonly rootHints?: readonly NameServer[];
  /** Port every server is asked on (53; a lab may use another). */
  readonly port?: number;
  readonly transport?: 'udp' | 'tcp';
  readonly timeoutMs?: number;
  readonly attempts?: number;
  readonly dnssecOk?: boolean;
  /** Referrals followed before giving up. */
  readonly maxSteps?: number;
  readonly signal?: AbortSignal;
}

/** One server asked on the way down: who was asked, and what they said. */
export interface TraceStep {
  /** The zone the asked server was asked as an authority for (`.` first). */
  readonly zone: string;
  readonly server: NameServer;
  readonly response: DnsResponse;
  /** A referral names the child zone and its servers; the last step has none. */
  readonly referral?: { readonly zone: string; readonly nameservers: readonly NameServer[] };
}

function isSubdomain(child: string, parent: string): boolean {
  if (parent === '.') return true;
  const c = child.toLowerCase();
  const p = parent.toLowerCase();
  return c === p || c.endsWith(`.${p}`);
}

function labelCount(name: string): number {
  return name === '.' ? 0 : name.split(/(?<!\\)\./).length - 1;
}

/**
 * Iterative resolution from the root, as `dig +trace` does: ask a server of the current zone
 * without recursion, follow its referral (NS in the authority section, addresses from glue, or
 * resolved from the root when there is none) to a zone strictly closer to the name, until a
 * server answers with authority. Each server asked is yielded as it answers.
 */
export async function* trace(
  name: string,
  type: string,
  options: TraceOptions = {},
): AsyncGenerator<TraceStep> {
  yield* walk(canonicalName(name), type, options, 0);
}

async function* walk(
  qname: string,
  type: string,
  options: TraceOptions,
  depth: number,
): AsyncGenerator<TraceStep> {
  if (depth > 4) throw new DnsError('LOOP', `glueless delegations nested too deeply resolving ${qname}`);
  parseType(type);
  let zone = '.';
  let servers: readonly NameServer[] = options.rootHints ?? ROOT_HINTS;
  const maxSteps = options.maxSteps ?? 32;
  for (let step = 0; step < maxSteps; step++) {
    let response: DnsResponse | undefined;
    let asked: NameServer | undefined;
    let lastError: unknown;
    for (const server of servers) {
      try {
        response = await query(qname, type, {
          servers: [{ address: server.address, port: options.port ?? 53 }],
          transport: options.transport ?? 'udp',
          recursionDesired: false,
          timeoutMs: options.timeoutMs ?? 2000,
          attempts: options.attempts ?? 1,
          edns: { dnssecOk: options.dnssecOk ?? false },
          ...(options.signal ? { signal: options.signal } : {}),
        });
        asked = server;
        break;
      } catch (err) {
        if (err instanceof DnsError && err.code === 'ABORTED') throw err;
        lastError = err;
      }
    }
    if (!response || !asked) {
      const why = lastError instanceof Error ? lastError.message : String(lastError);
      throw new DnsError('NETWORK', `no server for zone ${zone} answered: ${why}`, { cause: lastError });
    }
    const m = response.message;
    const ns = m.authorities.filter((r): r is RecordOf<'NS'> => r.type === 'NS');
    const child = ns[0]?.name;
    const isReferral = m.rcode === 'NOERROR' && m.answers.length === 0 && !m.flags.aa && child !== undefined;
    if (!isReferral) {
      yield { zone, server: asked, response };
      return;
    }
    if (!isSubdomain(qname, child) || !isSubdomain(child, zone) || labelCount(child) <= labelCount(zone)) {
      yield { zone, server: asked, response };
      throw new DnsError(
        'LOOP',
        `${asked.name} (${asked.address}) referred ${qname} to ${child}, which is not closer than ${zone}`,
      );
    }
    const nameservers: NameServer[] = [];
    for (const r of ns.filter((r) => sameName(r.name, child))) {
      for (const g of m.additionals) {
        if ((g.type === 'A' || g.type === 'AAAA') && sameName(g.name, r.target))
          nameservers.push({ name: r.target, address: g.address });
      }
    }
    if (nameservers.length === 0) {
      // Glueless: find the first server's address from the root, as a resolver would.
      for (const r of ns) {
        let last: TraceStep | undefined;
        for await (const s of walk(r.target, 'A', options, depth + 1)) last = s;
        for (const a of last?.response.message.answers ?? [])
          if (a.type === 'A') nameservers.push({ name: r.target, address: a.address });
        if (nameservers.length) break;
      }
    }
    yield { zone, server: asked, response, referral: { zone: child, nameservers } };
    if (nameservers.length === 0)
      throw new DnsError('NETWORK', `no address found for any name server of ${child}`);
    zone = child;
    servers = nameservers;
  }
  throw new DnsError('LOOP', `more than ${maxSteps} referrals resolving ${qname}`);
}
