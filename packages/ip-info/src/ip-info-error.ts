/** Why data could not be opened: a file unreadable, not an MMDB, of the other kind, or a data package missing. */
export type IpInfoErrorCode = 'UNREADABLE' | 'NOT_MMDB' | 'WRONG_KIND' | 'NO_DATA_SET';

export class IpInfoError extends Error {
  constructor(
    readonly code: IpInfoErrorCode,
    /** The file, or the data package. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'IpInfoError';
  }
}
