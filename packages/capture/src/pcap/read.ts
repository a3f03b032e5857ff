import type { CapturedPacket } from './packet.js';

/** A file that is not a capture, or one damaged at `offset`: the packets before it were good. */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
  constructor(
    message: string,
    /** Byte offset in the file where the damage starts. */
    readonly offset: number,
    /** The bytes ran out inside a header or record (more data could complete it). */
    readonly endOfData = false,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

export interface CaptureInterface {
  readonly linkType: number;
  readonly snaplen: number;
  /** Name from pcapng's if_name option, when the file has one. */
  readonly name?: string;
}

/** What a file says about itself; `interfaces` grows as pcapng interface blocks are read. */
export interface CaptureFileInfo {
  readonly format: 'pcap' | 'pcapng';
  readonly bigEndian: boolean;
  /** pcap: nanosecond magic. pcapng: the first interface's resolution is finer than 1 µs. */
  nanos: boolean;
  readonly interfaces: CaptureInterface[];
}

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER = 0x1a2b3c4d;
/** libpcap refuses records larger than this (its MAXIMUM_SNAPLEN is 262144; some writers go to 256 KiB + headers). */
const MAX_RECORD = 0x40000 * 4;

/** Detects pcap or pcapng by the magic number; `undefined` when `bytes` starts like neither. */
export function captureFormat(bytes: Uint8Array): 'pcap' | 'pcapng' | undefined {
  if (bytes.length < 4) return undefined;
  const be = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const le = ((bytes[3]! << 24) | (bytes[2]! << 16) | (bytes[1]! << 8) | bytes[0]!) >>> 0;
  if (be === PCAP_US || be === PCAP_NS || le === PCAP_US || le === PCAP_NS) return 'pcap';
  if (be === PCAPNG_SHB) return 'pcapng';
  return undefined;
}

/**
 * Reads a whole pcap or pcapng file: yields each packet (its `data` a view into `bytes`, no copy),
 * returns the file's description. Damage throws a CaptureFileError naming its offset, after the
 * packets before it were yielded.
 */
export function* readCapture(bytes: Uint8Array): Generator<CapturedPacket, CaptureFileInfo, undefined> {
  const format = captureFormat(bytes);
  if (format === undefined) {
    if (bytes.length < 4) throw new CaptureFileError('file too short for a capture header', 0, true);
    throw new CaptureFileError('not a pcap or pcapng file (unknown magic number)', 0);
  }
  return format === 'pcap' ? yield* readPcap(bytes) : yield* readPcapng(bytes);
}

function* readPcap(bytes: Uint8Array): Generator<CapturedPacket, CaptureFileInfo, undefined> {
  if (bytes.length < 24) throw new CaptureFileError('truncated pcap file header', 0, true);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBe = view.getUint32(0, false);
  const little = !(magicBe === PCAP_US || magicBe === PCAP_NS);
  const magic = view.getUint32(0, little);
  const nanos = magic === PCAP_NS;
  const snaplen = view.getUint32(16, little);
  // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
  const linkType = view.getUint32(20, little) & 0x03ffffff;
  const info: CaptureFileInfo = {
    format: 'pcap',
    bigEndian: !little,
    nanos,
    interfaces: [{ linkType, snaplen }],
  };
  const scale = nanos ? 1 : 1000;
  let at = 24;
  const end = bytes.length;
  while (at < end) {
    if (end - at < 16)
      throw new CaptureFileError(`truncated packet record header (${end - at} of 16 bytes)`, at, true);
    const seconds = view.getUint32(at, little);
    const fraction = view.getUint32(at + 4, little);
    const captured = view.getUint32(at + 8, little);
    const original = view.getUint32(at + 12, little);
    if (captured > MAX_RECORD || fraction >= (nanos ? 1e9 : 1e6))
      throw new CaptureFileError(
        captured > MAX_RECORD
          ? `corrupt packet record (captured length ${captured})`
          : `corrupt packet record (sub-second field ${fraction})`,
        at,
      );
    const dataAt = at + 16;
    if (end - dataAt < captured)
      throw new CaptureFileError(`truncated packet record (${end - dataAt} of ${captured} bytes)`, at, true);
    at = dataAt + captured;
    yield {
      seconds,
      nanos: fraction * scale,
      originalLength: original,
      data: bytes.subarray(dataAt, at),
      linkType,
    };
  }
  return info;
}

function* readPcapng(bytes: Uint8Array): Generator<CapturedPacket, CaptureFileInfo, undefined> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let little = true;
  let info: CaptureFileInfo | undefined;
  /** Per interface: units per second of its timestamps (bigint, for 64-bit timestamps). */
  let units: bigint[] = [];
  let at = 0;
  while (at < end) {
    if (end - at < 12)
      throw new CaptureFileError(`truncated block header (${end - at} of 12 bytes)`, at, true);
    const type = view.getUint32(at, little);
    if (type === PCAPNG_SHB) {
      if (end - at < 28) throw new CaptureFileError('truncated section header block', at, true);
      const order = view.getUint32(at + 8, true);
      if (order === BYTE_ORDER) little = true;
      else if (view.getUint32(at + 8, false) === BYTE_ORDER) little = false;
      else throw new CaptureFileError('section header with an unknown byte-order magic', at);
      info = { format: 'pcapng', bigEndian: !little, nanos: false, interfaces: [] };
      units = [];
    }
    const length = view.getUint32(at + 4, little);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD + 64)
      throw new CaptureFileError(`corrupt block (length ${length})`, at);
    if (end - at < length)
      throw new CaptureFileError(`truncated block (${end - at} of ${length} bytes)`, at, true);
    if (view.getUint32(at + length - 4, little) !== length)
      throw new CaptureFileError('corrupt block (trailing length differs)', at);
    if (!info) throw new CaptureFileError('pcapng file without a section header block', at);
    const body = at + 8;
    const bodyEnd = at + length - 4;
    if (type === 1) {
      if (bodyEnd - body < 8) throw new CaptureFileError('truncated interface description block', at);
      const linkType = view.getUint16(body, little);
      const snaplen = view.getUint32(body + 4, little);
      let unitsPerSecond = 1_000_000n;
      let name: string | undefined;
      for (let o = body + 8; o + 4 <= bodyEnd; ) {
        const code = view.getUint16(o, little);
        const len = view.getUint16(o + 2, little);
        if (code === 0 || o + 4 + len > bodyEnd) break;
        if (code === 9 && len >= 1) {
          const r = bytes[o + 4]!;
          unitsPerSecond = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
        } else if (code === 2) name = new TextDecoder().decode(bytes.subarray(o + 4, o + 4 + len));
        o += 4 + ((len + 3) & ~3);
      }
      if (info.interfaces.length === 0) info.nanos = unitsPerSecond > 1_000_000n;
      info.interfaces.push(name === undefined ? { linkType, snaplen } : { linkType, snaplen, name });
      units.push(unitsPerSecond);
    } else if (type === 6 || type === 2) {
      if (bodyEnd - body < 20) throw new CaptureFileError('truncated packet block', at);
      const interfaceId = type === 6 ? view.getUint32(body, little) : view.getUint16(body, little);
      const iface = info.interfaces[interfaceId];
      const perSecond = units[interfaceId];
      if (!iface || perSecond === undefined)
        throw new CaptureFileError(`packet block for undeclared interface ${interfaceId}`, at);
      const captured = view.getUint32(body + 12, little);
      const original = view.getUint32(body + 16, little);
      if (body + 20 + captured > bodyEnd)
        throw new CaptureFileError(`corrupt packet block (captured length ${captured})`, at);
      const ts = (BigInt(view.getUint32(body + 4, little)) << 32n) | BigInt(view.getUint32(body + 8, little));
      yield {
        seconds: Number(ts / perSecond),
        nanos: Number(((ts % perSecond) * 1_000_000_000n) / perSecond),
        originalLength: original,
        data: bytes.subarray(body + 20, body + 20 + captured),
        linkType: iface.linkType,
        interfaceId,
      };
    } else if (type === 3) {
      const iface = info.interfaces[0];
      if (!iface) throw new CaptureFileError('simple packet block before any interface', at);
      const original = view.getUint32(body, little);
      const captured = Math.min(original, bodyEnd - body - 4, iface.snaplen || Number.MAX_SAFE_INTEGER);
      yield {
        seconds: 0,
        nanos: 0,
        originalLength: original,
        data: bytes.subarray(body + 4, body + 4 + captured),
        linkType: iface.linkType,
        interfaceId: 0,
      };
    }
    at += length;
  }
  if (!info) throw new CaptureFileError('pcapng file without a section header block', 0);
  return info;
}

/**
 * Reads a capture file as it arrives (a pipe, `-r -`, a file read in chunks): `push` each chunk
 * and take the packets it completed; `end` when the input ends. Damage throws a CaptureFileError
 * with the file offset, as `readCapture` does; a record cut by the end of a chunk waits for the
 * next. Packets' `data` are views into the reader's buffers: copy them to keep them past the next push.
 */
export class CaptureStreamReader {
  /** Bytes not yet consumed, and their offset in the file. */
  private pending: Uint8Array = new Uint8Array(0);
  private base = 0;
  /** What every later record needs to be read: pcap's file header, pcapng's section and interface blocks. */
  private preamble: Uint8Array = new Uint8Array(0);
  private format: 'pcap' | 'pcapng' | undefined;
  info: CaptureFileInfo | undefined;

  push(chunk: Uint8Array): CapturedPacket[] {
    this.pending = this.pending.length ? concat(this.pending, chunk) : chunk;
    return this.read(false);
  }

  /** The input ended: throws if it ended inside a header or record. */
  end(): void {
    this.read(true);
  }

  private read(final: boolean): CapturedPacket[] {
    const head = this.preamble.length;
    const bytes = head ? concat(this.preamble, this.pending) : this.pending;
    const packets: CapturedPacket[] = [];
    let consumed = bytes.length;
    const reader = readCapture(bytes);
    try {
      for (;;) {
        const next = reader.next();
        if (next.done) {
          this.info = next.value;
          break;
        }
        packets.push(next.value);
      }
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      if (!err.endOfData || final) {
        const offset = this.base + Math.max(0, err.offset - head);
        throw new CaptureFileError(err.message.replace(/ at offset \d+$/, ''), offset, err.endOfData);
      }
      consumed = err.offset;
    }
    this.format ??= bytes.length >= 4 ? captureFormat(bytes) : undefined;
    if (consumed > head) {
      // Keep what later records depend on; drop the packets' bytes.
      if (this.format === 'pcap' && head === 0) this.preamble = bytes.slice(0, 24);
      else if (this.format === 'pcapng') {
        const little =
          new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true) === BYTE_ORDER;
        this.preamble = concat(this.preamble, definitions(bytes, head, consumed, !little));
      }
      this.base += consumed - head;
      this.pending = bytes.subarray(consumed);
    }
    return packets;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The pcapng blocks between `start` and `end` that are not packets (section and interface blocks). */
function definitions(bytes: Uint8Array, start: number, end: number, bigEndian = false): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [];
  for (let at = start; at + 12 <= end; ) {
    const type = view.getUint32(at, !bigEndian);
    const length = view.getUint32(at + 4, !bigEndian);
    if (length < 12) break;
    if (type !== 6 && type !== 2 && type !== 3) kept.push(bytes.subarray(at, at + length));
    at += length;
  }
  return kept.reduce((a, b) => concat(a, b), new Uint8Array(0));
}
