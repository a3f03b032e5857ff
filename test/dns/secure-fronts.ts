import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { type KnotServer, standardZones, startKnot } from './knot.js';

/**
 * knotd 3.2 speaks neither DNS over TLS nor over HTTPS, so the tests put real TLS and HTTPS
 * servers in front of it, with a certificate made at test time, relaying to knotd over TCP.
 * The client is tested against a real TLS stack and a real HTTP/2 server.
 */

export interface TestCert {
  readonly key: string;
  readonly cert: string;
  /** The certificate file, for the CLI's --ca. */
  readonly certPath: string;
  cleanup(): void;
}

/** A self-signed certificate for dns.netdiag.test and 127.0.0.1, made by openssl now. */
export function makeCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-cert-'));
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=dns.netdiag.test',
      '-addext',
      'subjectAltName=DNS:dns.netdiag.test,IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    certPath: join(dir, 'cert.pem'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One DNS message to the backend over TCP and its answer, for the HTTPS front. */
function relayOnce(backend: { address: string; port: number }, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(backend.port, backend.address);
    let buf = Buffer.alloc(0);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      sock.write(Buffer.concat([len, message]));
    });
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        sock.destroy();
      }
    });
    sock.on('error', reject);
  });
}

export interface Front {
  readonly port: number;
  /** Connections (TLS) or HTTP/2 sessions accepted so far. */
  readonly accepted: () => number;
  /** Ends every open connection from the server's side, as a server closing idle ones does. */
  dropAll(): void;
  /** DoH: the queries answered, by HTTP method. */
  readonly methods?: () => Readonly<Record<'GET' | 'POST', number>>;
  close(): Promise<void>;
}

/** DNS over TLS on 127.0.0.1: TLS terminated here, the stream piped to knotd's TCP port. */
export async function startTlsFront(
  cert: TestCert,
  backend: { address: string; port: number },
): Promise<Front> {
  let accepted = 0;
  const open = new Set<{ destroy(): void }>();
  const server: TlsServer = createTlsServer(
    { key: cert.key, cert: cert.cert, ALPNProtocols: ['dot'] },
    (tls) => {
      accepted++;
      open.add(tls);
      tls.on('close', () => open.delete(tls));
      const tcp = connect(backend.port, backend.address);
      tls.pipe(tcp).pipe(tls);
      tls.on('error', () => tcp.destroy());
      tcp.on('error', () => tls.destroy());
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    dropAll: () => {
      for (const c of open) c.destroy();
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** DNS over HTTPS (RFC 8484 POST) on 127.0.0.1, HTTP/2 with HTTP/1.1 allowed. */
export async function startHttpsFront(
  cert: TestCert,
  backend: { address: string; port: number },
): Promise<Front> {
  const server: Http2SecureServer = createSecureServer({ key: cert.key, cert: cert.cert, allowHTTP1: true });
  const methods = { GET: 0, POST: 0 };
  const answer = (res: Http2ServerResponse, query: Buffer) =>
    relayOnce(backend, query).then(
      (a) =>
        res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': a.length }).end(a),
      () => res.writeHead(502).end(),
    );
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const url = new URL(req.url, 'https://front');
    // RFC 8484 4.1: GET carries the query base64url-encoded (no padding) in `dns`.
    const dns = url.searchParams.get('dns');
    if (req.method === 'GET' && url.pathname === '/dns-query' && dns && /^[A-Za-z0-9_-]+$/.test(dns)) {
      methods.GET++;
      void answer(res, Buffer.from(dns, 'base64url'));
      return;
    }
    if (
      req.method !== 'POST' ||
      req.url !== '/dns-query' ||
      req.headers['content-type'] !== 'application/dns-message'
    ) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      methods.POST++;
      void answer(res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sessions = new Set<{ destroy(): void }>();
  let accepted = 0;
  server.on('session', (s) => {
    accepted++;
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    methods: () => ({ ...methods }),
    dropAll: () => {
      for (const s of sessions) s.destroy();
    },
    close: () =>
      new Promise((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

/** knotd with the standard zones behind a TLS (DoT) and an HTTPS (DoH) front of its own. */
export interface SecureServers {
  readonly knot: KnotServer;
  readonly cert: TestCert;
  readonly dot: Front;
  readonly doh: Front;
}

/** Starts knotd and both fronts; what started is stopped again if a later step fails. */
export async function startSecureServers(): Promise<SecureServers> {
  const knot = await startKnot(standardZones());
  let cert: TestCert | undefined;
  let dot: Front | undefined;
  try {
    cert = makeCert();
    dot = await startTlsFront(cert, knot);
    const doh = await startHttpsFront(cert, knot);
    return { knot, cert, dot, doh };
  } catch (err) {
    await stopSecureServers({ knot, cert, dot });
    throw err;
  }
}

export async function stopSecureServers(
  s: { [K in keyof SecureServers]?: SecureServers[K] | undefined },
): Promise<void> {
  await s.dot?.close();
  await s.doh?.close();
  await s.knot?.stop();
  s.cert?.cleanup();
}
