import { DnsError, type DnsResponse, query, Resolver } from '@netdiag/dns-client';
import { SMOKEPING_BUCKETS } from './buckets.js';
import { Histogram } from './histogram.js';

/** One continuous DNS target (config `dns:`): a question asked of one server at an interval. */
export interface DnsTargetSpec {
  /** The server as configured (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`). */
  readonly server: string;
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'https';
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Trust anchors (PEM) for tls and https; the system's when absent. */
  readonly ca?: string;
}

export function dnsKey(s: DnsTargetSpec): string {
  return [
    s.server,
    s.address,
    s.port,
    s.name,
    s.type,
    s.transport,
    s.intervalMs,
    s.timeoutMs,
    s.ca ?? '',
  ].join('|');
}

/** Outcomes other than an answer, as label values (a fixed set: series stay bounded). */
export type DnsFailure = 'timeout' | 'network' | 'malformed' | 'tls' | 'other';

/** The rcodes kept as label values; anything else is counted as `other`. */
const RCODES = new Set(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP']);

/** Counters and the response-time histogram of one DNS target, and its schedule. */
export class DnsTarget {
  readonly key: string;
  requests = 0;
  /** Answers by rcode (NOERROR, NXDOMAIN, ..., other). */
  readonly answers = new Map<string, number>();
  readonly failures = new Map<DnsFailure, number>();
  readonly duration = new Histogram(SMOKEPING_BUCKETS);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * DNS over HTTPS keeps one HTTP/2 session (dns-client's Resolver, no cache) between queries,
   * as a stub resolver does: a query's time is the exchange, not a TLS handshake each time.
   */
  private readonly doh: Resolver | undefined;

  constructor(
    readonly spec: DnsTargetSpec,
    /** Where in its interval this target asks (0 to 1): targets spread over the interval. */
    phase: number,
  ) {
    this.key = dnsKey(spec);
    this.doh =
      spec.transport === 'https'
        ? new Resolver({
            transport: 'https',
            https: { url: spec.server, ...(spec.ca !== undefined && { ca: spec.ca }) },
            cache: false,
            timeoutMs: spec.timeoutMs,
            attempts: 1,
          })
        : undefined;
    this.timer = setTimeout(() => this.tick(), phase * spec.intervalMs);
  }

  /** Records the outcome of one query (pure: tests call it directly). */
  record(outcome: { rcode: string; seconds: number } | { failure: DnsFailure }): void {
    if ('failure' in outcome) {
      this.failures.set(outcome.failure, (this.failures.get(outcome.failure) ?? 0) + 1);
      return;
    }
    const rcode = RCODES.has(outcome.rcode) ? outcome.rcode : 'other';
    this.answers.set(rcode, (this.answers.get(rcode) ?? 0) + 1);
    this.duration.observe(outcome.seconds);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.doh?.close();
  }

  private tick(): void {
    if (this.stopped) return;
    // The next query on the grid, whatever this one takes.
    this.timer = setTimeout(() => this.tick(), this.spec.intervalMs);
    this.requests++;
    const s = this.spec;
    const asked: Promise<DnsResponse> = this.doh
      ? this.doh.query(s.name, s.type)
      : query(s.name, s.type, {
          servers: [{ address: s.address, port: s.port }],
          transport: s.transport,
          timeoutMs: s.timeoutMs,
          attempts: 1,
          ...(s.ca !== undefined && { tls: { ca: s.ca } }),
        });
    asked.then(
      (r) => this.record({ rcode: r.message.rcode, seconds: r.rttMs / 1000 }),
      (err: unknown) => this.record({ failure: failureOf(err) }),
    );
  }
}

function failureOf(err: unknown): DnsFailure {
  if (!(err instanceof DnsError)) return 'other';
  switch (err.code) {
    case 'TIMEOUT':
      return 'timeout';
    case 'NETWORK':
      return 'network';
    case 'MALFORMED':
      return 'malformed';
    case 'TLS':
      return 'tls';
    default:
      return 'other';
  }
}
