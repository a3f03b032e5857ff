// libpcap's compiler for the pcap-filter language, its instruction image (tcpdump -d) and its
// interpreter, through the addon (which opens libpcap with dlopen: see pcap-filter.cc).
import { addon } from './addon.js';

/** An expression libpcap refused, with its message ("can't parse filter expression: syntax error"). */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
}

/** libpcap could not open the capture file to compile for (its message). */
export class SavefileOpenError extends Error {
  override readonly name = 'SavefileOpenError';
}

/** libpcap itself is missing (the addon loads, but libpcap.so.0.8 does not). */
export class LibpcapUnavailableError extends Error {
  override readonly name = 'LibpcapUnavailableError';
}

function rethrow(err: unknown): never {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'EFILTER') throw new FilterSyntaxError(message);
  if (code === 'EOPEN') throw new SavefileOpenError(message);
  if (code === 'ENOLIBPCAP') throw new LibpcapUnavailableError(message);
  throw err;
}

export interface CompileOptions {
  /** A DLT_/LINKTYPE_ value: 1 Ethernet, 113 LINUX_SLL, 276 LINUX_SLL2, 101 RAW, ... */
  readonly linkType: number;
  /**
   * A capture file to compile for, as `tcpdump -r FILE` does (libpcap opens it: its link type, and
   * the rules for files, e.g. no inbound/outbound on Ethernet). linkType is then ignored.
   */
  readonly savefile?: string;
  readonly snaplen: number;
  /** libpcap's optimiser, on unless tcpdump's -O. Default true. */
  readonly optimize?: boolean;
  /** The network's mask, for `ip broadcast`; 0 where unknown (tcpdump's choice for -r). */
  readonly netmask?: number;
}

/**
 * pcap_compile over pcap_open_dead(linkType, snaplen): the classic BPF program as struct bpf_insn
 * bytes (host order; 8 per instruction), ready for SO_ATTACH_FILTER. Throws FilterSyntaxError.
 * Note: a host name in the expression is resolved by libpcap (getaddrinfo), as in tcpdump.
 */
export function pcapCompile(expression: string, options: CompileOptions): Buffer {
  try {
    return addon().pcapCompile(
      options.savefile ?? options.linkType,
      options.snaplen,
      expression,
      options.optimize ?? true,
      options.netmask ?? 0,
    );
  } catch (err) {
    return rethrow(err);
  }
}

/** Each instruction as libpcap's bpf_image writes it: the lines of tcpdump -d. */
export function pcapImage(program: Uint8Array): string[] {
  try {
    return addon().pcapImage(program);
  } catch (err) {
    return rethrow(err);
  }
}

/** libpcap's bpf_filter over one packet: 0 rejected, else the bytes to keep. */
export function pcapFilter(program: Uint8Array, packet: Uint8Array, wireLength: number): number {
  try {
    return addon().pcapFilter(program, packet, wireLength);
  } catch (err) {
    return rethrow(err);
  }
}

/** "libpcap version 1.10.3 (with TPACKET_V3)". */
export function pcapVersion(): string {
  try {
    return addon().pcapVersion();
  } catch (err) {
    return rethrow(err);
  }
}
