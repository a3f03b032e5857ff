// What netdiag capture writes per packet: tcpdump's lines (through @netdiag/capture's printer),
// NDJSON, and the one-line errors. Also the file header tcpdump names before reading.
import type { CapturedPacket } from '@netdiag/capture';
import { CliError, ExitCode } from '../cli-error.js';
import { printable } from '../printable.js';
import type { CaptureArgs } from './capture-args.js';

/** Where packets go: lines, JSON or a file. */
export interface PacketSink {
  packet(p: CapturedPacket): void;
  flush(): void;
  close(): void;
}

interface TextOut {
  add(text: string): void;
  flush(): void;
}

/** The options of tcpdump's flags, as @netdiag/capture's PrintOptions names them. */
export function printOptions(o: CaptureArgs, interfaceName?: (ifindex: number) => string | undefined) {
  return {
    numeric: o.numeric,
    link: o.link,
    verbose: o.verbose,
    quiet: o.quiet,
    number: o.number,
    timestamp: o.timestamp,
    ...(o.hex !== undefined ? { hex: o.hex } : {}),
    ascii: o.ascii,
    nanos: o.nanos,
    absoluteTcpSequence: o.absoluteTcpSequence,
    ...(interfaceName ? { interfaceName } : {}),
  };
}

export async function makePrinter(o: CaptureArgs, out: TextOut): Promise<PacketSink> {
  const capture = await import('@netdiag/capture');
  const printer = new capture.PacketPrinter(printOptions(o, capture.interfaceNames()));
  // Lines go out in pieces of 64 KiB, and whatever is left once the current batch of packets
  // has been printed (a live capture's lines appear as they come; a file's in few writes).
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (printer.pending) out.add(printer.take());
    out.flush();
  };
  return {
    packet(p) {
      printer.print(p);
      if (printer.pending > 1 << 16) out.add(printer.take());
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    close: flush,
  };
}

/** What the `start` event of netdiag.capture/1 says about the source. */
export interface JsonStart {
  readonly source: 'interface' | 'file';
  readonly name: string;
  readonly linkType: number;
  readonly snaplen: number;
  readonly filter: string;
}

/** NDJSON (netdiag.capture/1, docs/json.md): a `start`, one `packet` per packet, an `end`. */
export async function makeJson(out: TextOut, start: JsonStart): Promise<JsonSink> {
  const capture = await import('@netdiag/capture');
  const line = (event: unknown) => out.add(`${JSON.stringify(event)}\n`);
  line({
    schema: 'netdiag.capture/1',
    type: 'start',
    time: new Date().toISOString(),
    source: start.source,
    [start.source === 'interface' ? 'interface' : 'file']: start.name,
    linkType: start.linkType,
    linkTypeName: capture.linkTypeName(start.linkType),
    snaplen: start.snaplen,
    filter: start.filter === '' ? null : start.filter,
  });
  let number = 0;
  return {
    packet: (p) => line(capture.packetJson(p, capture.decode(p.data, p.linkType), ++number)),
    flush: () => out.flush(),
    close: () => out.flush(),
    end(counts) {
      line({
        schema: 'netdiag.capture/1',
        type: 'end',
        time: new Date().toISOString(),
        captured: counts.captured,
        receivedByFilter: counts.received,
        droppedByKernel: counts.dropped,
      });
      out.flush();
    },
  };
}

/** The JSON sink also ends the stream with tcpdump's counts. */
export interface JsonSink extends PacketSink {
  end(counts: { captured: number; received: number | null; dropped: number | null }): void;
}

/** The link type and snap length a pcap or pcapng file declares first (tcpdump's "reading from"). */
export function fileHeader(bytes: Uint8Array): { linkType: number; snaplen: number } | undefined {
  if (bytes.length < 24) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d || magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    return { snaplen: v.getUint32(16, le), linkType: v.getUint32(20, le) & 0x0fffffff };
  }
  if (magic !== 0x0a0d0d0a) return undefined;
  const le = v.getUint32(8, true) === 0x1a2b3c4d;
  for (let at = 0; at + 12 <= bytes.length; ) {
    const type = v.getUint32(at, le);
    const length = v.getUint32(at + 4, le);
    if (type === 1 && at + 16 <= bytes.length)
      return { linkType: v.getUint16(at + 8, le), snaplen: v.getUint32(at + 12, le) || 262144 };
    if (length < 12 || length % 4 !== 0) return undefined;
    at += length;
  }
  return undefined;
}

/** Any failure of a capture as one line: filter, privilege, interface, file. */
export async function captureFailure(err: unknown): Promise<unknown> {
  if (err instanceof CliError) return err;
  const [capture, sockets] = await Promise.all([import('@netdiag/capture'), import('@netdiag/probe-socket')]);
  if (err instanceof capture.FilterError)
    return new CliError(`capture: ${err.message}`, ExitCode.Error, { cause: err });
  if (err instanceof sockets.ProbeSocketError)
    return new CliError(`capture: ${err.message}`, ExitCode.Error, { cause: err });
  if (err instanceof capture.CaptureFileError)
    return new CliError(`capture: ${printable(err.message)}`, ExitCode.Error, { cause: err });
  return err;
}

/** tcpdump -d, -dd, -ddd: libpcap's bpf_dump formats of a program. */
export function dumpProgram(
  level: 1 | 2 | 3,
  image: () => string[],
  instructions: readonly { code: number; jt: number; jf: number; k: number }[],
): string {
  if (level === 1) return `${image().join('\n')}\n`;
  if (level === 3)
    return `${instructions.length}\n${instructions.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}\n`).join('')}`;
  return instructions
    .map((i) => `{ 0x${i.code.toString(16)}, ${i.jt}, ${i.jf}, 0x${i.k.toString(16).padStart(8, '0')} },\n`)
    .join('');
}
