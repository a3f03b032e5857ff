import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { DnsError } from '../errors.js';
import { matchResponse, type QueryMessage } from '../message.js';
import { errorText, ignoredNote, serverText, withDeadline } from './deadline.js';
import { FrameReader, frame } from './frames.js';
import type { Exchanged, ExchangeOptions, ServerAddress } from './types.js';

/** TLS settings for DNS over TLS (RFC 7858, port 853). */
export interface TlsOptions {
  /** The name the certificate must carry (and SNI); without it the address is checked. */
  readonly serverName?: string | undefined;
  /** Trust anchors in PEM; the system store when absent. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
}

/** A new TCP or TLS connection to `server`, Nagle off: DNS messages are small and awaited. */
export function openStream(server: ServerAddress, tls: TlsOptions | undefined): Socket | TLSSocket {
  // node:tls only for TLS: loading it reads the certificate store (and NODE_EXTRA_CA_CERTS, on
  // Node 24 at load time), which a plain TCP query needs no descriptor, time or warning for.
  const socket = tls
    ? process.getBuiltinModule('node:tls').connect({
        host: server.address,
        port: server.port,
        servername: tls.serverName && !/^[\d.:]+$/.test(tls.serverName) ? tls.serverName : undefined,
        ca: tls.ca as string[] | undefined,
        ALPNProtocols: ['dot'],
      } as import('node:tls').ConnectionOptions)
    : netConnect({ host: server.address, port: server.port });
  socket.setNoDelay(true);
  return socket;
}

/** A connection's error as a DnsError: TLS for a failed handshake or certificate, else NETWORK. */
export function streamError(err: NodeJS.ErrnoException, server: ServerAddress, tls: boolean): DnsError {
  const tlsFailure =
    tls &&
    (err.code?.startsWith('ERR_TLS') ||
      err.code?.includes('CERT') ||
      /certificate|SSL|TLS/i.test(err.message));
  return new DnsError(
    tlsFailure ? 'TLS' : 'NETWORK',
    `${serverText(server)} over ${tls ? 'TLS' : 'TCP'}: ${errorText(err)}`,
    { cause: err },
  );
}

/**
 * One query over a new TCP or TLS connection. Frames that are not the answer are ignored as
 * over UDP; the server closing the connection first is a NETWORK error.
 */
export function streamExchange(
  query: QueryMessage,
  wire: Uint8Array,
  server: ServerAddress,
  options: ExchangeOptions & { tls?: TlsOptions | undefined },
): Promise<Exchanged> {
  const ignored: string[] = [];
  const kind = options.tls ? 'TLS' : 'TCP';
  return withDeadline<Exchanged>(
    options,
    () =>
      `no answer from ${serverText(server)} over ${kind} within ${options.timeoutMs} ms${ignoredNote(ignored)}`,
    (settle, onCleanup) => {
      const t0 = performance.now();
      const tls = options.tls;
      const socket = openStream(server, tls);
      onCleanup(() => socket.destroy());
      const reader = new FrameReader();
      socket.on(tls ? 'secureConnect' : 'connect', () => socket.write(frame(wire)));
      socket.on('data', (chunk: Buffer) => {
        let frames: Uint8Array[];
        try {
          frames = reader.push(chunk);
        } catch (err) {
          settle.reject(
            new DnsError('MALFORMED', `${serverText(server)} over ${kind}: ${(err as Error).message}`),
          );
          return;
        }
        for (const f of frames) {
          const m = matchResponse(query, f);
          if (typeof m === 'string') ignored.push(m);
          else settle.resolve({ message: m, size: f.length, rttMs: performance.now() - t0 });
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => settle.reject(streamError(err, server, !!tls)));
      socket.on('close', () => {
        const partial = reader.buffered ? ` after ${reader.buffered} bytes of an incomplete message` : '';
        settle.reject(
          new DnsError(
            'NETWORK',
            `${serverText(server)} closed the ${kind} connection without an answer${partial}${ignoredNote(ignored)}`,
          ),
        );
      });
    },
  );
}
