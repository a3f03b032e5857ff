import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { abortError, DnsError } from './errors.js';
import { canonicalName, sameName } from './message.js';
import { type DnsResponse, parseType, type QueryOptions, query } from './query.js';
import type { RecordTypeName } from './record-types.js';
import type { DnsRecord, RecordOf } from './records.js';
import { loadResolvConf, type ResolvConf, searchCandidates } from './resolv-conf.js';
import { reverseName } from './reverse.js';
import { keptConnections } from './transport/kept-connections.js';

/** The records `resolve(name, T)` returns: every record for ANY, else those of type T. */
export type Resolved<T extends RecordTypeName> = T extends 'ANY' ? DnsRecord : RecordOf<Exclude<T, 'ANY'>>;

export interface ResolverOptions extends Omit<QueryOptions, 'signal'> {
  /** Search list and ndots (resolv.conf); by default from the system file when no servers given. */
  readonly search?: readonly string[];
  readonly ndots?: number;
  /** `false` turns the cache off. Default: 10,000 entries. */
  readonly cache?: false | { readonly maxEntries?: number };
  /** Clock in ms, for the cache (tests pass their own). */
  readonly now?: () => number;
  /** Reads /etc/resolv.conf when no servers are given. */
  readonly readFile?: (path: string) => Promise<string>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

interface CacheEntry {
  readonly response: DnsResponse;
  readonly storedAt: number;
  readonly expiresAt: number;
}

interface InFlight {
  readonly promise: Promise<DnsResponse>;
  readonly controller: AbortController;
  waiters: number;
}

/** How long an answer may be reused (RFC 2181 8, RFC 2308 5 for negative answers). */
export function cacheTtl(response: DnsResponse): number {
  const m = response.message;
  if (m.rcode !== 'NOERROR' && m.rcode !== 'NXDOMAIN') return 0;
  if (m.answers.length) return Math.min(...m.answers.map((r) => r.ttl));
  const soa = m.authorities.find((r): r is RecordOf<'SOA'> => r.type === 'SOA');
  return soa ? Math.min(soa.ttl, soa.minimum) : 0;
}

/**
 * A resolver to embed: one configuration, a TTL-aware cache of answers, and de-duplication of
 * identical questions in flight (a trace naming 30 hops asks once per address, however many
 * hops share it). Each caller's AbortSignal ends only that caller's wait; the query itself is
 * cancelled when every caller waiting on it has gone.
 */
export class Resolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private doh: ClientHttp2Session | undefined;
  // TCP and TLS connections kept between this resolver's queries.
  private readonly streams = keptConnections();
  private conf:
    | Promise<Pick<ResolvConf, 'search' | 'ndots' | 'nameservers' | 'timeoutMs' | 'attempts' | 'rotate'>>
    | undefined;

  constructor(private readonly options: ResolverOptions = {}) {
    this.maxEntries = options.cache === false ? 0 : (options.cache?.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  private config() {
    this.conf ??= (async () => {
      const o = this.options;
      if (o.servers?.length || o.transport === 'https') {
        return {
          search: o.search ?? [],
          ndots: o.ndots ?? 1,
          nameservers: [],
          timeoutMs: 5000,
          attempts: 2,
          rotate: false,
        };
      }
      // A local file of a few lines, read once: synchronously, as glibc reads it. node:fs/promises
      // would cost 1.3 ms to load on Node 24, more than reading the file.
      const sys = await loadResolvConf(o.readFile ?? (async (p) => readFileSync(p, 'utf8')));
      return { ...sys, search: o.search ?? sys.search, ndots: o.ndots ?? sys.ndots };
    })();
    return this.conf;
  }

  /** One question, from the cache when fresh; the whole response (rcode, sections, server). */
  async query(name: string, type: string | number, call: CallOptions = {}): Promise<DnsResponse> {
    const conf = await this.config();
    const key = `${canonicalName(name).toLowerCase()}|${parseType(type)}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return aged(cached, this.now());
    if (cached) this.cache.delete(key);

    let flight = this.inFlight.get(key);
    if (!flight) {
      const controller = new AbortController();
      const o = this.options;
      const asked = this.dohSession().then((session) =>
        query(name, type, {
          ...o,
          ...(o.https && session ? { https: { ...o.https, session } } : {}),
          servers: o.servers ?? conf.nameservers,
          timeoutMs: o.timeoutMs ?? conf.timeoutMs,
          attempts: o.attempts ?? conf.attempts,
          rotate: o.rotate ?? conf.rotate,
          signal: controller.signal,
          streams: this.streams,
        }),
      );
      const promise = asked.then(
        (response) => {
          this.inFlight.delete(key);
          this.store(key, response);
          return response;
        },
        (err: unknown) => {
          this.inFlight.delete(key);
          throw err;
        },
      );
      // Callers may all leave before it settles: nobody else would handle its rejection.
      promise.catch(() => undefined);
      flight = { promise, controller, waiters: 0 };
      this.inFlight.set(key, flight);
    }
    return this.wait(key, flight, call.signal);
  }

  private wait(key: string, flight: InFlight, signal: AbortSignal | undefined): Promise<DnsResponse> {
    flight.waiters++;
    if (!signal) return flight.promise;
    return new Promise<DnsResponse>((resolve, reject) => {
      const leave = () => {
        signal.removeEventListener('abort', onAbort);
        flight.waiters--;
      };
      const onAbort = () => {
        leave();
        if (flight.waiters === 0) {
          // Nobody wants it any more: cancel it, and let the next caller start afresh.
          if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
          flight.controller.abort();
        }
        reject(abortError(signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          leave();
          resolve(v);
        },
        (e: unknown) => {
          leave();
          reject(e);
        },
      );
    });
  }

  private store(key: string, response: DnsResponse): void {
    const ttl = cacheTtl(response);
    if (this.maxEntries === 0 || ttl <= 0) return;
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    const now = this.now();
    this.cache.set(key, { response, storedAt: now, expiresAt: now + ttl * 1000 });
  }

  /**
   * The records of `type` for `name`, following CNAMEs in the answer and the search list. An
   * empty array means the name exists without such records; NXDOMAIN throws DnsError
   * ('NXDOMAIN'); SERVFAIL and friends throw DnsError('RCODE').
   */
  async resolve<T extends RecordTypeName>(
    name: string,
    type: T,
    call: CallOptions = {},
  ): Promise<Resolved<T>[]> {
    const conf = await this.config();
    const candidates = searchCandidates(name, conf);
    let nx: DnsError | undefined;
    let nodata = false;
    let failed: DnsError | undefined;
    for (const candidate of candidates) {
      const response = await this.query(candidate, type, call);
      const rcode = response.message.rcode;
      if (rcode === 'NXDOMAIN') {
        nx ??= new DnsError('NXDOMAIN', `${candidate} does not exist (NXDOMAIN from ${response.server})`);
        continue;
      }
      if (rcode !== 'NOERROR') {
        failed ??= new DnsError('RCODE', `${candidate}: ${rcode} from ${response.server}`);
        continue;
      }
      const records = answerRecords(response, type);
      if (records.length) return records as Resolved<T>[];
      // Like res_search(3): a candidate that exists without this type does not end the search,
      // but the answer is then "no data" rather than "no such name".
      nodata = true;
    }
    if (nodata) return [];
    // A failed candidate might have existed: that outranks NXDOMAIN from the others.
    if (failed) throw failed;
    throw nx ?? new DnsError('NXDOMAIN', `${name} does not exist`);
  }

  /** Names for an address (PTR), e.g. for the hops of a trace. */
  async reverse(address: string, call: CallOptions = {}): Promise<string[]> {
    const records = await this.resolve(reverseName(address), 'PTR', call);
    return records.map((r) => r.target);
  }

  /**
   * The first PTR name of an address without its trailing dot, or undefined when it has none
   * (NXDOMAIN or no PTR): the shape a traceroute's hop-naming wants, e.g. ttl-prober's
   * `reverse: (address, signal) => resolver.hostName(address, { signal })`. Other failures
   * (timeouts, SERVFAIL) still throw, so a caller can tell "no name" from "could not ask".
   */
  async hostName(address: string, call: CallOptions = {}): Promise<string | undefined> {
    try {
      const [name] = await this.reverse(address, call);
      return name === undefined ? undefined : name === '.' ? name : name.replace(/\.$/, '');
    } catch (err) {
      if (err instanceof DnsError && err.code === 'NXDOMAIN') return undefined;
      throw err;
    }
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** Closes the kept DNS-over-HTTPS session and TCP/TLS connections (idle, none holds the process open). */
  close(): void {
    this.doh?.close();
    this.doh = undefined;
    this.streams.close();
  }

  /** One HTTP/2 session for all DoH queries of this resolver, reopened when it ends. */
  private async dohSession(): Promise<ClientHttp2Session | undefined> {
    const https = this.options.https;
    if (this.options.transport !== 'https' || !https || https.httpVersion === 1.1 || https.session)
      return undefined;
    // Imported here: node:https and node:http2 take 5 ms to load, which a resolver asking over
    // UDP (a traceroute naming its hops) need not pay. After the await, so that queries started
    // together share the one session the first of them opens.
    const { openDohSession } = await import('./transport/https.js');
    if (!this.doh || this.doh.closed || this.doh.destroyed) {
      try {
        this.doh = openDohSession(https);
      } catch {
        return undefined; // a bad URL: the query itself reports it
      }
    }
    return this.doh;
  }
}

/** A cached response with TTLs counted down by the time it spent in the cache. */
function aged(entry: CacheEntry, now: number): DnsResponse {
  const elapsed = Math.floor((now - entry.storedAt) / 1000);
  if (elapsed <= 0) return entry.response;
  const age = (rs: readonly DnsRecord[]) => rs.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) }));
  const m = entry.response.message;
  return {
    ...entry.response,
    message: {
      ...m,
      answers: age(m.answers),
      authorities: age(m.authorities),
      additionals: age(m.additionals),
    },
  };
}

/** Records of `type` owned by the question name, following the CNAME chain in the answer. */
export function answerRecords(response: DnsResponse, type: string): DnsRecord[] {
  const answers = response.message.answers;
  if (type === 'ANY') return [...answers];
  const want = type.toUpperCase();
  let owner = response.question.name;
  for (let hop = 0; hop < 16; hop++) {
    const found = answers.filter((r) => r.type === want && sameName(r.name, owner));
    if (found.length || want === 'CNAME') return found;
    const alias = answers.find((r): r is RecordOf<'CNAME'> => r.type === 'CNAME' && sameName(r.name, owner));
    if (!alias) return [];
    owner = alias.target;
  }
  return [];
}

/**
 * One-shot resolution: `resolve('www.netdiag.test', 'A', { servers: ['127.0.0.1'] })`. Without
 * `servers` it reads /etc/resolv.conf. Use a Resolver to keep a cache between calls.
 */
export function resolve<T extends RecordTypeName>(
  name: string,
  type: T,
  options: ResolverOptions & CallOptions = {},
): Promise<Resolved<T>[]> {
  const { signal, ...rest } = options;
  return new Resolver({ ...rest, cache: false }).resolve(name, type, signal ? { signal } : {});
}
