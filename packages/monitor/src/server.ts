import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Agent } from './agent.js';
import type { Lookup } from './blackbox-icmp.js';
import { ChunkPool, CONTENT_TYPES, negotiateFormat } from './exposition.js';
import { ProbeHandler } from './probe-handler.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `ADDR:PORT`, `[v6]:PORT` or `:PORT` (all addresses); undefined if it is not one. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '::' : host, port };
}

export interface ServerOptions {
  readonly probeAny: boolean;
  readonly lookup: Lookup;
  /** Told about each reload's outcome (the CLI prints it). */
  readonly onReload?: (result: Awaited<ReturnType<Agent['reload']>>) => void;
}

/** What the root page lists. */
const INDEX = `netdiag monitor
/metrics       this agent's metrics (Prometheus text format, or OpenMetrics by Accept)
/probe         ?target=…&module=… as blackbox_exporter (icmp, dns)
/-/reload      POST: re-read the config
/-/healthy     200 while the agent runs
`;

/**
 * The agent's HTTP face on node:http. Malformed requests get a 400 from the parser's error
 * handler and the connection is closed; a request line or headers past 16 KiB get 431 (Node's
 * limit); nothing a client sends reaches a stack trace.
 */
export function startServer(agent: Agent, listen: ListenAddress, options: ServerOptions): Promise<Server> {
  const probes = new ProbeHandler(agent, { probeAny: options.probeAny, lookup: options.lookup });
  const pool = new ChunkPool(16);
  const server = createServer({ maxHeaderSize: 16_384 }, (req, res) => {
    route(agent, probes, pool, options, req, res).catch((err: unknown) => {
      if (!res.headersSent)
        reply(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 130_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${status}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function route(
  agent: Agent,
  probes: ProbeHandler,
  pool: ChunkPool,
  options: ServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  switch (url.pathname) {
    case '/':
      return read ? reply(res, 200, INDEX) : notAllowed(res, 'GET');
    case '/metrics': {
      if (!read) return notAllowed(res, 'GET');
      const format = negotiateFormat(req.headers.accept);
      return sendChunks(res, agent.metricsChunks(format, pool), pool, CONTENT_TYPES[format]);
    }
    case '/probe': {
      if (!read) return notAllowed(res, 'GET');
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      const format = negotiateFormat(req.headers.accept);
      const header = req.headers['x-prometheus-scrape-timeout-seconds'];
      const answer = await probes.handle({
        query: url.searchParams,
        scrapeTimeout: Array.isArray(header) ? header[0] : header,
        format,
        signal: aborted.signal,
      });
      return reply(res, answer.status, answer.body, answer.format ? CONTENT_TYPES[answer.format] : undefined);
    }
    case '/-/reload': {
      if (method !== 'POST' && method !== 'PUT') return notAllowed(res, 'POST');
      const result = await agent.reload();
      options.onReload?.(result);
      return result.ok
        ? reply(
            res,
            200,
            `config reloaded: ${result.added} added, ${result.removed} removed, ${result.kept} kept\n`,
          )
        : reply(res, 500, `failed to reload config: ${result.error}\n`);
    }
    case '/-/healthy':
      return read ? reply(res, 200, 'Healthy\n') : notAllowed(res, 'GET');
    case '/-/ready':
      return read ? reply(res, 200, 'Ready\n') : notAllowed(res, 'GET');
    default:
      return reply(res, 404, 'not found\n');
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** What a scrape may have queued on its connection before the next chunk is made. */
const QUEUED_BYTES = 1 << 20;

/**
 * A body made as it is sent (chunked transfer encoding): the next chunk is made only when the
 * connection has taken the last, so a slow client holds the agent's memory to a chunk or two.
 */
async function sendChunks(
  res: ServerResponse,
  chunks: Iterator<Buffer>,
  pool: ChunkPool,
  type: string,
): Promise<void> {
  res.writeHead(200, { 'Content-Type': type });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  for (;;) {
    if (res.destroyed) return;
    const next = chunks.next();
    if (next.done) break;
    const chunk = next.value;
    if (chunk.length > 0) res.write(chunk, () => pool.put(chunk));
    // Up to a megabyte queued before waiting: a wait per chunk is an event-loop turn per chunk.
    if (res.writableLength > QUEUED_BYTES) {
      const drained = await new Promise<boolean>((resolve) => {
        const onDrain = () => done(true);
        const onClose = () => done(false);
        const done = (ok: boolean) => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(ok);
        };
        res.on('drain', onDrain);
        res.on('close', onClose);
      });
      if (!drained) return;
    }
  }
  res.end();
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  reply(res, 405, `method not allowed (${allow})\n`);
}
