import type { CapturedPacket } from '../pcap/packet.js';
import { CaptureFileError, type CaptureFileInfo, readCapture } from '../pcap/read.js';
import type { PrintOptions } from './options.js';
import { PacketPrinter } from './printer.js';

export interface PrintFileResult {
  readonly packets: number;
  /** What the file says about itself; undefined when its header was unreadable. */
  readonly info?: CaptureFileInfo;
  /** The damage that ended the file early, after `packets` good packets. */
  readonly error?: CaptureFileError;
}

/** Flush the printer's buffer to `write` about every 256 KiB: one write per thousands of lines. */
const FLUSH_AT = 1 << 18;

/**
 * `-r`: prints every packet of a pcap or pcapng file as tcpdump does, through `write` in large
 * pieces. A damaged file prints the packets before the damage, then returns the error (never
 * throws it), so the caller can say `netdiag: ...` in one line.
 */
export function printFile(
  bytes: Uint8Array,
  options: PrintOptions,
  write: (text: string) => void,
  accept?: (packet: CapturedPacket) => boolean,
): PrintFileResult {
  const printer = new PacketPrinter(options);
  const reader = readCapture(bytes);
  let packets = 0;
  try {
    for (;;) {
      const next = reader.next();
      if (next.done) {
        if (printer.pending) write(printer.take());
        return { packets, info: next.value };
      }
      if (accept && !accept(next.value)) continue;
      packets++;
      printer.print(next.value);
      if (printer.pending > FLUSH_AT) write(printer.take());
    }
  } catch (err) {
    if (printer.pending) write(printer.take());
    if (err instanceof CaptureFileError) return { packets, error: err };
    throw err;
  }
}
