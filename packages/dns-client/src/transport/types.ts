import type { DnsMessage, QueryMessage } from '../message.js';
import type { TlsOptions } from './stream.js';

/** A DNS server as a transport reaches it. */
export interface ServerAddress {
  readonly address: string;
  readonly port: number;
}

/** An accepted answer, with what dig reports beside it. */
export interface Exchanged {
  readonly message: DnsMessage;
  /** Bytes of the DNS message as received. */
  readonly size: number;
  readonly rttMs: number;
}

export interface ExchangeOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * What carries TCP and TLS exchanges over connections kept open between queries (a Resolver's
 * StreamSessions). Without one, each exchange opens a connection of its own.
 */
export interface StreamCarrier {
  exchange(
    query: QueryMessage,
    wire: Uint8Array,
    server: ServerAddress,
    options: ExchangeOptions & { tls?: TlsOptions | undefined },
  ): Promise<Exchanged>;
}
