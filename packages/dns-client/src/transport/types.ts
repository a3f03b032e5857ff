import type { DnsMessage } from '../message.js';

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
