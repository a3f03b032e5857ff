/** Why bytes could not be decoded: too few of them, or values no sender may put there. */
export type DecodeFailure = 'truncated' | 'malformed';

/**
 * The only error a codec throws. Decoders assume hostile bytes: anything wrong with the input is a
 * DecodeError naming what was being read, never a RangeError from a buffer read.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly what: string,
    readonly failure: DecodeFailure,
    detail: string,
  ) {
    super(`${what}: ${detail}`);
  }

  static truncated(what: string, needed: number, got: number): DecodeError {
    return new DecodeError(what, 'truncated', `needs ${needed} bytes, got ${got}`);
  }
}

/** What every decoder returns: the value and how many bytes it took. */
export interface Decoded<T> {
  readonly value: T;
  readonly bytesRead: number;
}
