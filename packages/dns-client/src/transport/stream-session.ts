import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { DnsError } from '../errors.js';
import { matchResponse, type QueryMessage } from '../message.js';
import { ignoredNote, serverText, withDeadline } from './deadline.js';
import { FrameReader, frame } from './frames.js';
import { openStream, streamError, type TlsOptions } from './stream.js';
import type { Exchanged, ExchangeOptions, ServerAddress } from './types.js';

interface Waiting {
  readonly query: QueryMessage;
  readonly t0: number;
  readonly ignored: string[];
  readonly settle: { resolve(v: Exchanged): void; reject(e: unknown): void };
}

/**
 * One TCP or TLS connection that carries many queries at once, answered in any order
 * (pipelining, RFC 7766 6.2.1.1; RFC 7858 3.4 asks it of DNS over TLS): a Resolver keeps one per
 * server, so a run of lookups pays one handshake, not one each. Answers are matched to queries
 * by ID and question; other frames are ignored as over UDP. When the connection ends (servers
 * close idle ones), whatever is in flight fails; idle, it does not hold the process open.
 */
export class StreamSession {
  private readonly socket: Socket | TLSSocket;
  private readonly reader = new FrameReader();
  private readonly waiting = new Set<Waiting>();
  private ended: DnsError | undefined;
  /** Whether any answer came over this connection: a server that closes it has served it. */
  answered = false;

  constructor(
    readonly server: ServerAddress,
    private readonly tls: TlsOptions | undefined,
  ) {
    const kind = tls ? 'TLS' : 'TCP';
    this.socket = openStream(server, tls);
    this.socket.unref();
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.end(streamError(err, server, !!tls)));
    this.socket.on('close', () => {
      const partial = this.reader.buffered
        ? ` after ${this.reader.buffered} bytes of an incomplete message`
        : '';
      this.end(
        new DnsError(
          'NETWORK',
          `${serverText(server)} closed the ${kind} connection without an answer${partial}`,
        ),
      );
    });
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  exchange(query: QueryMessage, wire: Uint8Array, options: ExchangeOptions): Promise<Exchanged> {
    const kind = this.tls ? 'TLS' : 'TCP';
    let entry: Waiting | undefined;
    return withDeadline<Exchanged>(
      options,
      () =>
        `no answer from ${serverText(this.server)} over ${kind} within ${options.timeoutMs} ms${ignoredNote(entry?.ignored ?? [])}`,
      (settle, onCleanup) => {
        if (this.ended) throw this.ended;
        entry = { query, t0: performance.now(), ignored: [], settle };
        const mine = entry;
        this.waiting.add(mine);
        this.socket.ref();
        onCleanup(() => {
          this.waiting.delete(mine);
          if (this.waiting.size === 0) this.socket.unref();
        });
        // Written at once: the socket holds it until the connection (and TLS) is up.
        this.socket.write(frame(wire));
      },
    );
  }

  close(): void {
    this.end(new DnsError('NETWORK', `${serverText(this.server)}: connection closed by the resolver`));
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      const kind = this.tls ? 'TLS' : 'TCP';
      this.end(
        new DnsError('MALFORMED', `${serverText(this.server)} over ${kind}: ${(err as Error).message}`),
      );
      return;
    }
    for (const f of frames) {
      const id = f.length >= 2 ? (f[0]! << 8) | f[1]! : -1;
      for (const w of this.waiting) {
        if (w.query.id !== id) continue;
        const m = matchResponse(w.query, f);
        if (typeof m === 'string') {
          w.ignored.push(m);
          continue;
        }
        this.answered = true;
        w.settle.resolve({ message: m, size: f.length, rttMs: performance.now() - w.t0 });
        break;
      }
    }
  }

  private end(why: DnsError): void {
    if (this.ended) return;
    this.ended = why;
    this.socket.destroy();
    for (const w of [...this.waiting]) w.settle.reject(why);
  }
}

/**
 * The connections a Resolver keeps, one per server and transport. A query that finds its
 * connection ended by the server before any answer to it is sent once more on a new one, as
 * RFC 7766 6.2.1 has clients do; the caller sees the second attempt's outcome.
 */
export class StreamSessions {
  private readonly sessions = new Map<string, StreamSession>();

  async exchange(
    query: QueryMessage,
    wire: Uint8Array,
    server: ServerAddress,
    options: ExchangeOptions & { tls?: TlsOptions | undefined },
  ): Promise<Exchanged> {
    const session = this.session(server, options.tls);
    const reused = session.answered;
    try {
      return await session.exchange(query, wire, options);
    } catch (err) {
      const serverWentAway = err instanceof DnsError && err.code === 'NETWORK' && session.closed;
      if (!reused || !serverWentAway || options.signal?.aborted) throw err;
      return this.session(server, options.tls).exchange(query, wire, options);
    }
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(server: ServerAddress, tls: TlsOptions | undefined): StreamSession {
    const key = `${tls ? 'tls' : 'tcp'} ${server.address} ${server.port}`;
    let s = this.sessions.get(key);
    if (!s || s.closed) {
      s = new StreamSession(server, tls);
      this.sessions.set(key, s);
    }
    return s;
  }
}
