/**
 * Why a DNS exchange failed. One class, a stable `code` a script can switch on, the server it
 * concerned and the underlying cause.
 */
export type DnsErrorCode =
  /** No acceptable answer before the time allowed ran out (includes silence and ignored junk). */
  | 'TIMEOUT'
  /** The bytes could not be decoded as a DNS message. */
  | 'MALFORMED'
  /** The server closed the connection, refused it, or the network is unreachable. */
  | 'NETWORK'
  /** The TLS handshake failed (certificate, name) or the HTTPS server answered with an error. */
  | 'TLS'
  | 'HTTP'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** The name or address given cannot be put in a query. */
  | 'BAD_INPUT'
  /** The server answered NXDOMAIN. */
  | 'NXDOMAIN'
  /** The server answered with an error rcode (SERVFAIL, REFUSED, ...). */
  | 'RCODE'
  /** Iterative resolution went round in circles or too deep. */
  | 'LOOP';

export class DnsError extends Error {
  override readonly name = 'DnsError';
  constructor(
    readonly code: DnsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function abortError(signal: AbortSignal): DnsError {
  return new DnsError('ABORTED', 'aborted', { cause: signal.reason });
}
