/**
 * tcpdump's netdissect_options: every choice that shapes a line, in one value passed down to each
 * protocol's printer. Names follow tcpdump's flags.
 */
export interface PrintOptions {
  /**
   * -n / -nn. netdiag never resolves names (a capture must not send DNS queries of its own), so
   * 0 prints as -n does; the field is kept for the CLI's flag parsing.
   */
  readonly numeric?: 0 | 1 | 2;
  /** -e: the link-level header on each line. */
  readonly link?: boolean;
  /** -v, -vv, -vvv. */
  readonly verbose?: 0 | 1 | 2 | 3;
  /** -q: less protocol information. */
  readonly quiet?: boolean;
  /** -#: a packet number before each line. */
  readonly number?: boolean;
  /**
   * Timestamps: 0 (default) local time of day; 1 (-t) none; 2 (-tt) Unix seconds; 3 (-ttt)
   * delta since the previous packet; 4 (-tttt) date and time; 5 (-ttttt) delta since the first.
   */
  readonly timestamp?: 0 | 1 | 2 | 3 | 4 | 5;
  /** --nano / --time-stamp-precision=nano: nine digits of fraction instead of six. */
  readonly nanos?: boolean;
  /** -x, -xx (hex), -X, -XX (hex and ASCII); doubled: the link header too. */
  readonly hex?: 'x' | 'xx' | 'X' | 'XX';
  /** -A: the packet (after the link header) in ASCII. */
  readonly ascii?: boolean;
  /** -S: absolute TCP sequence numbers. */
  readonly absoluteTcpSequence?: boolean;
  /** Interface names for SLL2's ifindex (tcpdump asks if_indextoname); `?` when unknown. */
  readonly interfaceName?: (ifindex: number) => string | undefined;
  /** Offset from UTC in seconds at a given time, for local time of day (default: the process's zone). */
  readonly utcOffset?: (unixSeconds: number) => number;
}
