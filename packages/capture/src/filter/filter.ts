// pcap-filter expressions compiled by libpcap (pcap_compile, the reference implementation of the
// language tcpdump users type), kept as classic BPF for the kernel and for the interpreter.
import { FilterCompileError, loadPcapCompiler, type PcapCompiler } from '@netdiag/probe-socket';
import { type BpfProgram, decodeProgram, runBpf } from './bpf.js';
import { errorToken, tokenize } from './error-position.js';

export const DEFAULT_SNAPLEN = 262_144;

/** An expression that does not compile: libpcap's message, and where it goes wrong if known. */
export class FilterError extends Error {
  override readonly name = 'FilterError';
  constructor(
    /** libpcap's message: "can't parse filter expression: syntax error". */
    readonly reason: string,
    readonly expression: string,
    /** 0-based offset of the offending token, or the expression's length when it ends too soon. */
    readonly position: number | undefined,
    readonly token: string | undefined,
  ) {
    super(
      position === undefined
        ? reason
        : token === undefined
          ? `${reason} (at the end of the expression)`
          : `${reason} (at '${token}', column ${position + 1})`,
    );
  }
}

/** A compiled filter: the program, its instructions, and a matcher over packets. */
export interface CompiledFilter {
  readonly expression: string;
  readonly linkType: number;
  readonly snaplen: number;
  readonly program: BpfProgram;
  /** The filter's verdict on one packet: true to keep it (libpcap's bpf_filter semantics). */
  matches(data: Uint8Array, originalLength: number): boolean;
  /** tcpdump -d: one line per instruction, as libpcap's bpf_image writes it. */
  image(): string[];
}

export interface CompileFilterOptions {
  readonly linkType: number;
  readonly snaplen?: number;
  /** libpcap's optimiser (tcpdump -O turns it off). Default true. */
  readonly optimize?: boolean;
  readonly netmask?: number;
  /** The capture file the packets come from: compiled as `tcpdump -r FILE EXPR` compiles. */
  readonly savefile?: string;
}

let compiler: Promise<PcapCompiler> | undefined;

/** libpcap through the addon, loaded once. */
export function pcapCompiler(): Promise<PcapCompiler> {
  compiler ??= loadPcapCompiler();
  compiler.catch(() => {
    compiler = undefined;
  });
  return compiler;
}

/**
 * Compiles a pcap-filter expression for a link type, as tcpdump would (optimised, netmask 0 unless
 * given). Throws FilterError with libpcap's message and the position of the offending token.
 */
export async function compileFilter(
  expression: string,
  options: CompileFilterOptions,
): Promise<CompiledFilter> {
  const pcap = await pcapCompiler();
  return compileWith(pcap, expression, options);
}

export function compileWith(
  pcap: PcapCompiler,
  expression: string,
  options: CompileFilterOptions,
): CompiledFilter {
  const snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
  const settings = {
    linkType: options.linkType,
    snaplen,
    optimize: options.optimize ?? true,
    netmask: options.netmask ?? 0,
    ...(options.savefile !== undefined ? { savefile: options.savefile } : {}),
  };
  let bytes: Uint8Array;
  try {
    bytes = pcap.compile(expression, settings);
  } catch (err) {
    if (!(err instanceof FilterCompileError)) throw err;
    throw filterError(pcap, expression, settings, err.message);
  }
  const program = decodeProgram(bytes);
  const instructions = program.instructions;
  return {
    expression,
    linkType: options.linkType,
    snaplen,
    program,
    matches: (data, originalLength) => runBpf(instructions, data, originalLength) !== 0,
    image: () => pcap.image(bytes),
  };
}

function filterError(
  pcap: PcapCompiler,
  expression: string,
  settings: { linkType: number; snaplen: number; optimize: boolean; netmask: number; savefile?: string },
  reason: string,
): FilterError {
  // Messages that name the culprit ("unknown host 'x'", "illegal port number 99999 > 65535"):
  // point at the first token of the expression the message quotes (the longest, if several).
  if (!/syntax error/.test(reason)) {
    const named = tokenize(expression)
      .filter((t) => t.text.length > 1 && reason.includes(t.text))
      .sort((a, b) => b.text.length - a.text.length)[0];
    if (named !== undefined) return new FilterError(reason, expression, named.offset, named.text);
  }
  if (!/syntax error/.test(reason)) return new FilterError(reason, expression, undefined, undefined);
  // Parses, that is: compiles, or fails for a reason other than syntax ("expression rejects all
  // packets", an unknown port name): such a prefix can still be completed.
  const compiles = (e: string) => {
    try {
      pcap.compile(e, settings);
      return true;
    } catch (err) {
      return !(err instanceof FilterCompileError) || !/syntax error|parse/.test(err.message);
    }
  };
  const token = errorToken(expression, compiles);
  return token === undefined
    ? new FilterError(reason, expression, expression.length, undefined)
    : new FilterError(reason, expression, token.offset, token.text);
}
