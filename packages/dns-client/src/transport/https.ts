import { type ClientHttp2Session, constants, connect as h2connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { DnsError } from '../errors.js';
import { matchResponse, type QueryMessage } from '../message.js';
import { errorText, ignoredNote, withDeadline } from './deadline.js';
import type { Exchanged, ExchangeOptions } from './types.js';

/** DNS over HTTPS (RFC 8484): application/dns-message by POST, or by GET in the `dns` parameter. */
export interface HttpsOptions {
  /** e.g. `https://127.0.0.1:8443/dns-query`. */
  readonly url: string;
  /** Trust anchors in PEM; the system store when absent. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
  /** `2` (default) speaks HTTP/2 (RFC 8484 SHOULD); `1.1` uses node:https. */
  readonly httpVersion?: 2 | 1.1;
  /**
   * `POST` (default) sends the query as the body; `GET` sends it base64url-encoded in the `dns`
   * query parameter (RFC 8484 4.1), which HTTP caches can answer (dig's +https-get).
   */
  readonly method?: 'POST' | 'GET';
  /** An HTTP/2 session to this URL's origin to reuse (the Resolver keeps one); else one per query. */
  readonly session?: ClientHttp2Session | undefined;
}

/** Requests in flight per shared session: it holds the process open only while busy. */
const busy = new WeakMap<ClientHttp2Session, number>();

function hold(session: ClientHttp2Session): () => void {
  busy.set(session, (busy.get(session) ?? 0) + 1);
  session.ref();
  return () => {
    const n = (busy.get(session) ?? 1) - 1;
    busy.set(session, n);
    if (n === 0 && !session.destroyed) session.unref();
  };
}

/**
 * A long-lived HTTP/2 session for DNS over HTTPS, idle sessions not keeping the process alive.
 * Errors end the session (the next query opens another), never the process.
 */
export function openDohSession(https: Pick<HttpsOptions, 'url' | 'ca'>): ClientHttp2Session {
  const session = h2connect(checkUrl(https.url).origin, { ca: https.ca as string[] | undefined });
  session.on('error', () => session.destroy());
  session.unref();
  return session;
}

const MAX_BODY = 65535;

function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DnsError('BAD_INPUT', `not a URL: ${url}`);
  }
  if (u.protocol !== 'https:')
    throw new DnsError('BAD_INPUT', `DNS over HTTPS needs an https:// URL, not ${u.protocol}`);
  return u;
}

function accept(
  query: QueryMessage,
  status: number,
  type: string | undefined,
  body: Buffer,
  t0: number,
  where: string,
): Exchanged {
  if (status !== 200) throw new DnsError('HTTP', `${where} answered HTTP ${status}`);
  if (type?.split(';')[0]?.trim() !== 'application/dns-message')
    throw new DnsError('HTTP', `${where} answered ${type ?? 'no content type'}, not application/dns-message`);
  const m = matchResponse(query, body);
  if (typeof m === 'string') throw new DnsError('MALFORMED', `${where}: ${m}`);
  return { message: m, size: body.length, rttMs: performance.now() - t0 };
}

/**
 * One query over HTTPS. RFC 8484 4.1 asks for ID 0 (HTTP caches key on the body), so the
 * caller's QueryMessage should carry id 0; the answer's ID and question are still checked.
 * A session argument lets the Resolver reuse one HTTP/2 connection for many queries.
 */
export function httpsExchange(
  query: QueryMessage,
  wire: Uint8Array,
  https: HttpsOptions,
  options: ExchangeOptions,
): Promise<Exchanged> {
  const url = checkUrl(https.url);
  const where = url.host;
  const ignored: string[] = [];
  return withDeadline<Exchanged>(
    options,
    () => `no answer from ${url.origin} over HTTPS within ${options.timeoutMs} ms${ignoredNote(ignored)}`,
    (settle, onCleanup) => {
      const t0 = performance.now();
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer, abort: () => void) => {
        size += c.length;
        if (size > MAX_BODY) {
          abort();
          settle.reject(new DnsError('HTTP', `${where} sent a body over ${MAX_BODY} bytes`));
        } else chunks.push(c);
      };
      const fail = (outer: NodeJS.ErrnoException) => {
        // A cancelled stream carries the session's real failure (refused, certificate) as cause.
        const err = outer.cause instanceof Error ? (outer.cause as NodeJS.ErrnoException) : outer;
        const code = /certificate|SSL|TLS|self.signed/i.test(`${err.code} ${err.message}`)
          ? 'TLS'
          : 'NETWORK';
        settle.reject(
          new DnsError(code, `${where} over HTTPS: ${errorText(err)}`, {
            cause: err,
          }),
        );
      };
      const finish = (status: number, type: string | undefined) => {
        try {
          settle.resolve(accept(query, status, type, Buffer.concat(chunks), t0, where));
        } catch (err) {
          settle.reject(err);
        }
      };
      const get = https.method === 'GET';
      const path = get
        ? `${url.pathname}${url.search ? `${url.search}&` : '?'}dns=${Buffer.from(wire).toString('base64url')}`
        : `${url.pathname}${url.search}`;
      const method = get ? 'GET' : 'POST';
      const headers: Record<string, string> = get
        ? { accept: 'application/dns-message' }
        : {
            'content-type': 'application/dns-message',
            accept: 'application/dns-message',
            'content-length': String(wire.length),
          };
      if (https.httpVersion === 1.1) {
        const req = httpsRequest({
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path,
          method,
          headers,
          ca: https.ca as string[] | undefined,
        });
        onCleanup(() => req.destroy());
        req.on('error', fail);
        req.on('response', (res) => {
          res.on('data', (c: Buffer) => onData(c, () => req.destroy()));
          res.on('end', () => finish(res.statusCode ?? 0, res.headers['content-type']));
          res.on('error', fail);
        });
        if (get) req.end();
        else req.end(wire);
        return;
      }
      let session =
        https.session && !https.session.closed && !https.session.destroyed ? https.session : undefined;
      if (session) onCleanup(hold(session));
      else {
        session = h2connect(url.origin, { ca: https.ca as string[] | undefined });
        const own = session;
        onCleanup(() => own.close());
        own.on('error', fail);
      }
      const req = session.request({
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: path,
        ...headers,
      });
      onCleanup(() => {
        if (!req.closed) req.close(constants.NGHTTP2_CANCEL);
      });
      let status = 0;
      let type: string | undefined;
      req.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        const ct = h[constants.HTTP2_HEADER_CONTENT_TYPE];
        type = Array.isArray(ct) ? ct[0] : ct;
      });
      req.on('data', (c: Buffer) => onData(c, () => req.close(constants.NGHTTP2_CANCEL)));
      req.on('end', () => finish(status, type));
      req.on('error', fail);
      if (get) req.end();
      else req.end(Buffer.from(wire));
    },
  );
}
