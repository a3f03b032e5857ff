// netdiag capture: tcpdump's capture, files and lines. Live packets come from @netdiag/capture's
// capture() (probe-socket's TPACKET_V3 ring, the filter in the kernel); -r reads a file and
// filters it here with the same program; -w writes pcap (ns) or pcapng; -d prints the program.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CapturedPacket, CaptureFileWriter, CompiledFilter, LivePacket } from '@netdiag/capture';
import { CliError, ExitCode } from '../cli-error.js';
import { type CommandIo, wantsLiveView } from '../io.js';
import { printable } from '../printable.js';
import { checkUser, dropAfterOpen } from '../privilege.js';
import { type CaptureArgs, help, parseCaptureArgs } from './capture-args.js';
import {
  captureFailure,
  dumpProgram,
  fileHeader,
  type JsonSink,
  makeJson,
  makePrinter,
  type PacketSink,
} from './capture-output.js';

export { help };

/** "no such file or directory" from Node's "ENOENT: no such file or directory, open '...'". */
function fsReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/** Where -w goes: a file (or stdout for '-'), written in large chunks. */
class FileSink {
  readonly #fd: number;
  readonly #path: string;
  // Records are encoded straight into this buffer (CaptureFileWriter.packetInto), written per MiB.
  #buffer = Buffer.allocUnsafe(1 << 20);
  #at = 0;

  constructor(path: string) {
    this.#path = path;
    try {
      this.#fd = path === '-' ? 1 : openSync(path, 'w');
    } catch (err) {
      throw this.#failure(err);
    }
  }

  #failure(err: unknown): CliError {
    return new CliError(`capture: cannot write ${printable(this.#path)}: ${fsReason(err)}`, ExitCode.Error, {
      cause: err,
    });
  }

  /** Bytes as they are (a file header). */
  write(bytes: Uint8Array): void {
    if (this.#at + bytes.length > this.#buffer.length) this.flush();
    if (bytes.length > this.#buffer.length) {
      this.#writeAll(bytes);
      return;
    }
    this.#buffer.set(bytes, this.#at);
    this.#at += bytes.length;
  }

  /** One packet record, encoded in place. */
  packet(writer: CaptureFileWriter, p: CapturedPacket): void {
    const length = writer.packetLength(p);
    if (this.#at + length > this.#buffer.length) this.flush();
    if (length > this.#buffer.length) {
      this.#writeAll(writer.packet(p));
      return;
    }
    this.#at = writer.packetInto(p, this.#buffer, this.#at);
  }

  flush(): void {
    if (this.#at === 0) return;
    this.#writeAll(this.#buffer.subarray(0, this.#at));
    this.#at = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done, bytes.length - done);
    } catch (err) {
      throw this.#failure(err);
    }
  }

  close(): void {
    this.flush();
    if (this.#fd !== 1) closeSync(this.#fd);
  }
}

/** Output text gathered per batch of packets and written once the batch is done. */
function batchedWriter(write: (text: string) => void): { add(text: string): void; flush(): void } {
  let pending: string[] = [];
  let size = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    size = 0;
    write(text);
  };
  return {
    add(text) {
      if (text.length === 0) return;
      pending.push(text);
      size += text.length;
      if (size >= 1 << 16) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

async function sinkFor(
  o: CaptureArgs,
  io: CommandIo,
  linkType: number,
  snaplen: number,
  name: string,
  source: 'interface' | 'file',
): Promise<PacketSink | JsonSink> {
  const capture = await import('@netdiag/capture');
  if (o.write !== undefined) {
    const file = new FileSink(o.write);
    const writer = new capture.CaptureFileWriter({
      format: o.pcapng ? 'pcapng' : 'pcap',
      linkType,
      snaplen,
      nanos: true,
      ...(source === 'interface' && name !== 'any' ? { interfaceName: name } : {}),
    });
    file.write(writer.header());
    const sink: PacketSink = {
      packet: (p) => file.packet(writer, p),
      flush: () => file.flush(),
      close: () => file.close(),
    };
    return sink;
  }
  // tcpdump's lines are ASCII (the printer escapes the rest): latin1 encodes them fastest.
  const out = batchedWriter((t) => io.stdout.write(o.json ? t : Buffer.from(t, 'latin1')));
  return o.json
    ? makeJson(out, { source, name, linkType, snaplen, filter: o.expression })
    : makePrinter(o, out);
}

/** -r FILE: every packet of the file the filter accepts, printed or written. */
async function readFile(o: CaptureArgs, io: CommandIo): Promise<number> {
  // Nothing here needs privilege (libpcap compiles without it): drop before the file is read.
  await dropAfterOpen('capture', o.user, io);
  const capture = await import('@netdiag/capture');
  const path = o.read!;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (err) {
    throw new CliError(`capture: cannot read ${printable(path)}: ${fsReason(err)}`, ExitCode.Error, {
      cause: err,
    });
  }
  const header = fileHeader(bytes);
  if (header === undefined) throw new CliError(`capture: ${printable(path)}: not a pcap or pcapng file`);
  const filters = new Map<number, CompiledFilter>();
  const filterFor = async (linkType: number) => {
    let f = filters.get(linkType);
    if (f === undefined) {
      f = await capture.compileFilter(o.expression, {
        optimize: o.optimize,
        linkType,
        snaplen: header.snaplen,
        // As tcpdump -r compiles: for the file itself (its rules differ from a live capture's).
        ...(linkType === header.linkType && path !== '-' ? { savefile: path } : {}),
      });
      filters.set(linkType, f);
    }
    return f;
  };
  if (o.expression !== '' || o.dump) await filterFor(header.linkType);
  if (o.dump) {
    const f = await filterFor(header.linkType);
    io.stdout.write(dumpProgram(o.dump, f.image, f.program.instructions));
    return ExitCode.Ok;
  }
  if (o.write === undefined && !o.json) {
    io.stderr.write(
      `reading from file ${printable(path)}, link-type ${capture.linkTypeName(header.linkType)}, snapshot length ${header.snaplen}\n`,
    );
    // SLL2 names interfaces by index, and this machine's indexes are not the capturing one's.
    if (header.linkType === capture.LinkType.LINUX_SLL2)
      io.stderr.write('Warning: interface names might be incorrect\n');
  }
  const sink = await sinkFor(o, io, header.linkType, header.snaplen, path, 'file');
  let n = 0;
  try {
    const packets = capture.readCapture(bytes);
    for (;;) {
      let r: IteratorResult<CapturedPacket>;
      try {
        r = packets.next();
      } catch (err) {
        if (err instanceof capture.CaptureFileError) {
          sink.flush();
          io.stderr.write(`netdiag: capture: ${printable(path)}: ${err.message}\n`);
          return ExitCode.Error;
        }
        throw err;
      }
      if (r.done) break;
      const p = r.value;
      if (o.expression !== '') {
        const f = filters.get(p.linkType) ?? (await filterFor(p.linkType));
        if (!f.matches(p.data, p.originalLength)) continue;
      }
      sink.packet(p);
      n++;
      if (o.count !== undefined && n >= o.count) break;
      if (io.signal.aborted) break;
    }
    if ('end' in sink) sink.end({ captured: n, received: null, dropped: null });
  } finally {
    sink.close();
  }
  return ExitCode.Ok;
}

/** Live capture: lines, a file, or the live view on a terminal. */
async function live(o: CaptureArgs, io: CommandIo): Promise<number> {
  const capture = await import('@netdiag/capture');
  if (o.dump) {
    // The program for the interface's link type, compiled without opening it (no privilege needed).
    await dropAfterOpen('capture', o.user, io);
    const { captureInterface } = await import('@netdiag/probe-socket');
    const where = captureInterface(o.interface ?? capture.defaultInterface(capture.listInterfaces()));
    const filter = await capture.compileFilter(o.expression, {
      optimize: o.optimize,
      linkType: where.linkType,
      snaplen: o.snaplen,
    });
    io.stdout.write(dumpProgram(o.dump, filter.image, filter.program.instructions));
    return ExitCode.Ok;
  }
  // Aborted by Ctrl-C (io.signal) or by the live view's q.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  const run = capture.capture({
    ...(o.interface !== undefined ? { interface: o.interface } : {}),
    filter: o.expression,
    optimize: o.optimize,
    snaplen: o.snaplen,
    promiscuous: o.promiscuous,
    direction: o.direction,
    ...(o.count !== undefined ? { count: o.count } : {}),
    ...(o.bufferBytes !== undefined ? { bufferBytes: o.bufferBytes } : {}),
    signal: stop.signal,
  });
  let opened: Awaited<typeof run.opened>;
  try {
    opened = await run.opened;
  } catch (err) {
    throw await captureFailure(err);
  }
  // The ring is open and the filter attached: nothing after needs privilege. As tcpdump -Z, the
  // -w file is created after the switch, by the new user.
  try {
    await dropAfterOpen('capture', o.user, io);
  } catch (err) {
    run.close();
    throw err;
  }
  if (o.write === undefined && wantsLiveView(io, o.json)) {
    const { runCaptureLive } = await import('../views/capture-live.js');
    return runCaptureLive(o, io, run, opened, stop);
  }
  // The file first: one that cannot be written ends the run before it announces anything.
  let sink: PacketSink | JsonSink;
  try {
    sink = await sinkFor(o, io, opened.linkType, opened.snaplen, opened.interface, 'interface');
  } catch (err) {
    run.close();
    throw err;
  }
  // As tcpdump: on stderr, so also with -w and --json.
  if (o.write === undefined && !o.json && o.verbose === 0)
    io.stderr.write('netdiag: verbose output suppressed, use -v[v]... for full protocol decode\n');
  io.stderr.write(
    `listening on ${printable(opened.interface)}, link-type ${capture.linkTypeName(opened.linkType)}, snapshot length ${opened.snaplen} bytes\n`,
  );
  try {
    for await (const p of run as AsyncIterable<LivePacket>) sink.packet(p);
  } catch (err) {
    throw await captureFailure(err);
  } finally {
    sink.close();
  }
  if ('end' in sink) sink.end(run.stats());
  // Interrupted, tcpdump ends the line it may have been printing: one newline on stdout.
  if (io.signal.aborted && o.write === undefined && !o.json) io.stdout.write('\n');
  io.stderr.write(capture.formatStats(run.stats()));
  return ExitCode.Ok;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const o = parseCaptureArgs(args);
  if (o.help) {
    io.stdout.write(`${help}\n`);
    return ExitCode.Ok;
  }
  await checkUser('capture', o.user);
  try {
    return o.read !== undefined ? await readFile(o, io) : await live(o, io);
  } catch (err) {
    throw await captureFailure(err);
  }
}
