// netdiag capture's command line: tcpdump's flags, parsed into one options object. Pure.
import { numberFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../cli-error.js';
import { printable } from '../printable.js';

export const help = `usage: netdiag capture [options] [EXPRESSION]

Packet capture as tcpdump does it: frames from one interface (or all: -i any) through a
pcap-filter EXPRESSION that the kernel runs (compiled by libpcap, attached with SO_ATTACH_FILTER),
printed as tcpdump prints them, or written to a pcap/pcapng file. Needs CAP_NET_RAW.
On a terminal, a live view (packet rate, top talkers, protocols, the latest lines); piped, lines.

options:
  -i IFACE        interface, or 'any' (Linux cooked v2 headers); default: the first up one
  -p              do not put the interface in promiscuous mode
  -s SNAPLEN      bytes kept per packet (default and 0: 262144)
  -Q in|out|inout direction of the packets captured (default inout)
  -c COUNT        stop after COUNT packets
  -B KIB          kernel ring size in KiB (default 32768)
  -w FILE         write the packets to FILE (pcap with ns time stamps; '-' for stdout)
  --pcapng        write pcapng instead
  -r FILE         read packets from a pcap or pcapng file instead of capturing
  -Z, --user NAME started as root, become NAME once the capture socket is open and its filter
                  attached (as tcpdump -Z): the -w file is then created as NAME; every capability
                  is dropped then in any case (with -r, -d: before anything is read)
  -d              print the compiled filter program (as tcpdump -d) and exit
  -dd, -ddd       the program as a C array, or as decimal numbers (as tcpdump)
  -O              do not optimise the filter program
  -n, -nn         numeric addresses (netdiag never resolves names) and ports
  -e              link-level header on each line
  -v, -vv, -vvv   more detail
  -q              less protocol detail
  -#              number each line
  -t .. -ttttt    no time stamp, epoch, delta, date and time, delta since the first
  -x, -xx         hex dump (with the link header: -xx)
  -X, -XX         hex and ASCII dump (with the link header: -XX)
  -A              payload as ASCII
  -S              absolute TCP sequence numbers
  --nano          time stamps with nanoseconds
  -l, -U          accepted for tcpdump's sake: lines and packets always leave per batch
  --json          NDJSON, one event per packet (schema netdiag.capture/1, docs/json.md)
  -h, --help      this help

At the end, on stderr: packets captured, received by filter, dropped by kernel (tcpdump's counts).
Exit status: 0 done, 2 error (no permission, unknown interface, a filter that does not compile,
a file that cannot be read or written).`;

const flags = {
  interface: { type: 'string', short: 'i' },
  'no-promiscuous-mode': { type: 'boolean', short: 'p' },
  snaplen: { type: 'string', short: 's' },
  direction: { type: 'string', short: 'Q' },
  count: { type: 'string', short: 'c' },
  buffer: { type: 'string', short: 'B' },
  write: { type: 'string', short: 'w' },
  pcapng: { type: 'boolean' },
  read: { type: 'string', short: 'r' },
  dump: { type: 'boolean', short: 'd', multiple: true },
  numeric: { type: 'boolean', short: 'n', multiple: true },
  link: { type: 'boolean', short: 'e' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  number: { type: 'boolean', short: '#' },
  time: { type: 'boolean', short: 't', multiple: true },
  hex: { type: 'boolean', short: 'x', multiple: true },
  'hex-ascii': { type: 'boolean', short: 'X', multiple: true },
  ascii: { type: 'boolean', short: 'A' },
  'absolute-tcp-sequence-numbers': { type: 'boolean', short: 'S' },
  nano: { type: 'boolean' },
  'no-optimize': { type: 'boolean', short: 'O' },
  'line-buffered': { type: 'boolean', short: 'l' },
  'packet-buffered': { type: 'boolean', short: 'U' },
  json: { type: 'boolean' },
  user: { type: 'string', short: 'Z' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type HexMode = 'x' | 'xx' | 'X' | 'XX';

export interface CaptureArgs {
  readonly interface: string | undefined;
  readonly promiscuous: boolean;
  readonly snaplen: number;
  readonly direction: 'in' | 'out' | 'inout';
  readonly count: number | undefined;
  readonly bufferBytes: number | undefined;
  readonly write: string | undefined;
  readonly pcapng: boolean;
  readonly read: string | undefined;
  /** -d 1, -dd 2, -ddd 3; 0 none. */
  readonly dump: 0 | 1 | 2 | 3;
  readonly optimize: boolean;
  readonly absoluteTcpSequence: boolean;
  readonly nanos: boolean;
  readonly numeric: 0 | 1 | 2;
  readonly link: boolean;
  readonly verbose: 0 | 1 | 2 | 3;
  readonly quiet: boolean;
  readonly number: boolean;
  readonly timestamp: 0 | 1 | 2 | 3 | 4 | 5;
  readonly hex: HexMode | undefined;
  readonly ascii: boolean;
  readonly json: boolean;
  readonly help: boolean;
  /** -Z/--user: who the capture runs as once its socket is open (tcpdump's -Z). */
  readonly user: string | undefined;
  /** The filter: the remaining words joined with spaces, as tcpdump joins them. */
  readonly expression: string;
}

const count = (v: readonly boolean[] | undefined) => v?.length ?? 0;

export function parseCaptureArgs(args: string[]): CaptureArgs {
  const { values: v, positionals } = parseCommandArgs('capture', args, flags);
  const snaplen = numberFlag('capture', '-s', v.snaplen, { min: 0, max: 262144, integer: true });
  const packets = numberFlag('capture', '-c', v.count, { min: 1, integer: true });
  const buffer = numberFlag('capture', '-B', v.buffer, { min: 64, max: 2 * 1024 * 1024, integer: true });
  const direction = v.direction ?? 'inout';
  if (direction !== 'in' && direction !== 'out' && direction !== 'inout')
    throw new UsageError(`capture: -Q takes in, out or inout, not '${printable(direction)}'`);
  if (v.read !== undefined && v.interface !== undefined)
    throw new UsageError('capture: -r reads a file; -i captures live: give one of them');
  if (v.pcapng && v.write === undefined) throw new UsageError('capture: --pcapng goes with -w FILE');
  const x = count(v.hex);
  const bigX = count(v['hex-ascii']);
  const hex: HexMode | undefined =
    bigX > 0 ? (bigX > 1 || x > 1 ? 'XX' : 'X') : x > 0 ? (x > 1 ? 'xx' : 'x') : undefined;
  return {
    interface: v.interface,
    promiscuous: v['no-promiscuous-mode'] !== true,
    snaplen: snaplen === undefined || snaplen === 0 ? 262144 : snaplen,
    direction,
    count: packets,
    bufferBytes: buffer === undefined ? undefined : buffer * 1024,
    write: v.write,
    pcapng: v.pcapng === true,
    read: v.read,
    dump: Math.min(3, count(v.dump)) as 0 | 1 | 2 | 3,
    optimize: v['no-optimize'] !== true,
    absoluteTcpSequence: v['absolute-tcp-sequence-numbers'] === true,
    nanos: v.nano === true,
    numeric: Math.min(2, count(v.numeric)) as 0 | 1 | 2,
    link: v.link === true,
    verbose: Math.min(3, count(v.verbose)) as 0 | 1 | 2 | 3,
    quiet: v.quiet === true,
    number: v.number === true,
    timestamp: Math.min(5, count(v.time)) as 0 | 1 | 2 | 3 | 4 | 5,
    hex,
    ascii: v.ascii === true,
    json: v.json === true,
    help: v.help === true,
    user: v.user,
    expression: positionals.join(' '),
  };
}
