/** Why a ping run could not start. Per-probe failures are events, not errors. */
export type PingErrorCode =
  | 'BAD_OPTION'
  | 'UNKNOWN_HOST'
  | 'NO_ADDRESS_FAMILY'
  | 'NETWORK_UNREACHABLE'
  | 'NO_PERMISSION'
  | 'SOCKET';

export class PingError extends Error {
  override readonly name = 'PingError';
  constructor(
    readonly code: PingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
