import { addressFamily, randomInt } from '@netdiag/address';
import { abortError, DnsError } from './errors.js';
import type { DnsMessage } from './message.js';
import {
  canonicalName,
  DEFAULT_EDNS,
  type EdnsOptions,
  encodeQuery,
  type QueryMessage,
  randomId,
} from './message.js';
import { typeCode } from './record-types.js';
import type { HttpsOptions } from './transport/https.js';
import type { TlsOptions } from './transport/stream.js';
import type { Exchanged, ServerAddress, StreamCarrier } from './transport/types.js';
import { udpExchange } from './transport/udp.js';

export type TransportName = 'udp' | 'tcp' | 'tls' | 'https';

export interface QueryOptions {
  /** Addresses (`192.0.2.1`, `2001:db8::1`) or address and port; tried in order. */
  readonly servers?: readonly (string | ServerAddress)[];
  /** Port for servers given without one: 53, or 853 for TLS. */
  readonly port?: number;
  /** `udp` (falls back to TCP when the answer is truncated), `tcp`, `tls` or `https`. */
  readonly transport?: TransportName;
  readonly tls?: TlsOptions;
  /** Required for `https`. */
  readonly https?: HttpsOptions;
  /** Time for the first try, in ms; each later round doubles it. Default 5000 (glibc). */
  readonly timeoutMs?: number;
  /** Rounds over the server list. Default 2 (glibc). */
  readonly attempts?: number;
  /** Start at a different server each query. */
  readonly rotate?: boolean;
  /** RD bit; `false` for iterative queries to authoritative servers. Default true. */
  readonly recursionDesired?: boolean;
  readonly checkingDisabled?: boolean;
  /** `false` sends no OPT record; otherwise overrides of the EDNS defaults. */
  readonly edns?: Partial<EdnsOptions> | false;
  readonly signal?: AbortSignal;
  /** Connections to keep and share for TCP and TLS (a Resolver passes its own); else one each. */
  readonly streams?: StreamCarrier;
}

/** A server's answer with how it was obtained. */
export interface DnsResponse extends Exchanged {
  readonly message: DnsMessage;
  /** Who answered: `address#port` style for UDP/TCP/TLS, the URL for HTTPS. */
  readonly server: string;
  /** The transport that carried the answer: `tcp` after a truncated UDP answer. */
  readonly transport: TransportName;
  readonly question: QueryMessage['question'];
  /** Exchanges sent, counting retries and the TCP retry of a truncated answer. */
  readonly tries: number;
}

/** RCODEs after which the next server may do better (as the C library does). */
const TRY_NEXT = new Set(['SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR']);

export function parseType(type: string | number): number {
  if (typeof type === 'number') {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff)
      throw new DnsError('BAD_INPUT', `bad record type ${type}`);
    return type;
  }
  const code = typeCode(type);
  if (code === undefined) throw new DnsError('BAD_INPUT', `unknown record type '${type}'`);
  return code;
}

export function serverAddress(s: string | ServerAddress, defaultPort: number): ServerAddress {
  if (typeof s !== 'string') return s;
  if (addressFamily(s.split('%')[0]!)) return { address: s, port: defaultPort };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([\d.]+):(\d+)$/.exec(s) ?? /^(.+)#(\d+)$/.exec(s);
  if (m && addressFamily(m[1]!) && Number(m[2]) > 0 && Number(m[2]) < 65536)
    return { address: m[1]!, port: Number(m[2]) };
  throw new DnsError('BAD_INPUT', `not a server address: '${s}' (give an IP address, optionally with :port)`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends one question and returns the first acceptable answer, trying each server in turn for
 * `attempts` rounds with a doubling timeout, retrying a truncated UDP answer over TCP, and
 * resending without EDNS to a server that answers FORMERR to it. An answer with SERVFAIL or
 * REFUSED moves on to the next server, and is returned if no server does better.
 */
export async function query(
  name: string,
  type: string | number,
  options: QueryOptions = {},
): Promise<DnsResponse> {
  const transport = options.transport ?? 'udp';
  const question = { name: canonicalName(name), type: parseType(type), class: 1 };
  const edns = options.edns === false ? false : { ...DEFAULT_EDNS, ...options.edns };
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = Math.max(1, options.attempts ?? 2);
  const signal = options.signal;
  if (!(timeoutMs > 0)) throw new DnsError('BAD_INPUT', 'timeout must be positive');

  type Target = {
    label: string;
    send(q: QueryMessage, wire: Uint8Array, timeoutMs: number, via: TransportName): Promise<Exchanged>;
  };
  let targets: Target[];
  if (transport === 'https') {
    const https = options.https;
    if (!https) throw new DnsError('BAD_INPUT', 'DNS over HTTPS needs a URL');
    targets = [
      {
        label: https.url,
        send: async (q, wire, t) => {
          const { httpsExchange } = await import('./transport/https.js');
          return httpsExchange(q, wire, https, { timeoutMs: t, signal });
        },
      },
    ];
  } else {
    const port = options.port ?? (transport === 'tls' ? 853 : 53);
    const servers = (options.servers ?? []).map((s) => serverAddress(s, port));
    if (servers.length === 0) throw new DnsError('BAD_INPUT', 'no DNS server to ask');
    targets = servers.map((s) => ({
      label: s.address.includes(':') ? `${s.address}#${s.port}` : `${s.address}#${s.port}`,
      send: async (q, wire, t, via) => {
        if (via === 'udp') return udpExchange(q, wire, s, { timeoutMs: t, signal });
        const how = { timeoutMs: t, signal, tls: via === 'tls' ? (options.tls ?? {}) : undefined };
        if (options.streams) return options.streams.exchange(q, wire, s, how);
        const { streamExchange } = await import('./transport/stream.js');
        return streamExchange(q, wire, s, how);
      },
    }));
    if (options.rotate && targets.length > 1) {
      // A random first server spreads load as glibc's round robin does, without shared state.
      const k = randomInt(0, targets.length);
      targets = [...targets.slice(k), ...targets.slice(0, k)];
    }
  }

  let tries = 0;
  let lastAnswer: DnsResponse | undefined;
  let lastError: unknown;
  for (let round = 0; round < attempts; round++) {
    if (round > 0) await sleep(Math.min(50 * 2 ** round, 1000), signal);
    const budget = timeoutMs * 2 ** round;
    for (const target of targets) {
      let q: QueryMessage = {
        id: transport === 'https' ? 0 : randomId(),
        question,
        recursionDesired: options.recursionDesired ?? true,
        checkingDisabled: options.checkingDisabled ?? false,
        authenticData: false,
        edns,
      };
      try {
        tries++;
        let via: TransportName = transport;
        let got = await target.send(q, encodeQuery(q), budget, via);
        if (got.message.rcode === 'FORMERR' && q.edns !== false) {
          // An old server that does not understand EDNS (RFC 6891 7): ask again plainly.
          q = { ...q, id: transport === 'https' ? 0 : randomId(), edns: false };
          tries++;
          got = await target.send(q, encodeQuery(q), budget, via);
        }
        if (via === 'udp' && got.message.flags.tc) {
          via = 'tcp';
          q = { ...q, id: randomId() };
          tries++;
          got = await target.send(q, encodeQuery(q), budget, via);
        }
        const response: DnsResponse = { ...got, server: target.label, transport: via, question, tries };
        if (!TRY_NEXT.has(got.message.rcode)) return response;
        lastAnswer = response;
      } catch (err) {
        if (err instanceof DnsError && (err.code === 'ABORTED' || err.code === 'BAD_INPUT')) throw err;
        lastError = err;
      }
    }
  }
  if (lastAnswer) return { ...lastAnswer, tries };
  if (lastError instanceof DnsError) {
    throw new DnsError(lastError.code, `${lastError.message}${tries > 1 ? ` (after ${tries} tries)` : ''}`, {
      cause: lastError,
    });
  }
  throw new DnsError('NETWORK', `no server answered: ${String(lastError)}`, { cause: lastError });
}
