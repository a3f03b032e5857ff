// libpcap's filter compiler, reached through the addon (which only this package imports).
import { ProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';

/** libpcap's compiler, image and interpreter for the pcap-filter language. */
export interface PcapCompiler {
  /** struct bpf_insn bytes; throws FilterSyntaxError (its message is libpcap's). */
  compile(
    expression: string,
    options: { linkType: number; snaplen: number; optimize?: boolean; netmask?: number; savefile?: string },
  ): Uint8Array;
  /** tcpdump -d's lines. */
  image(program: Uint8Array): string[];
  /** libpcap's bpf_filter: 0 rejected, else the snap length. */
  run(program: Uint8Array, packet: Uint8Array, wireLength: number): number;
  readonly version: string;
}

/** The expression did not compile; `message` is libpcap's. */
export class FilterCompileError extends Error {
  override readonly name = 'FilterCompileError';
}

/** Loads the addon and libpcap (dlopen). Throws ProbeSocketError naming what is missing. */
export async function loadPcapCompiler(): Promise<PcapCompiler> {
  const native = await loadNative('a capture filter (libpcap)');
  let version: string;
  try {
    version = native.pcapVersion();
  } catch (err) {
    throw new ProbeSocketError(err instanceof Error ? err.message : String(err), 'UNKNOWN', 'socket', {
      cause: err,
    });
  }
  const compiler: PcapCompiler = {
    version,
    compile(expression, options) {
      try {
        return native.pcapCompile(expression, options);
      } catch (err) {
        if (err instanceof native.FilterSyntaxError) throw new FilterCompileError(err.message);
        // A file libpcap cannot open (stdin, a pcapng it cannot read): compile for the link type.
        if (err instanceof native.SavefileOpenError && options.savefile !== undefined) {
          const { savefile: _, ...dead } = options;
          return compiler.compile(expression, dead);
        }
        throw err;
      }
    },
    image: (program) => native.pcapImage(program),
    run: (program, packet, wireLength) => native.pcapFilter(program, packet, wireLength),
  };
  return compiler;
}
