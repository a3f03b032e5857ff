import type { CapturedPacket } from './packet.js';

export interface CaptureWriterOptions {
  /** pcap (the default, what tcpdump -w writes) or pcapng. */
  readonly format?: 'pcap' | 'pcapng';
  readonly linkType: number;
  /** The snap length the capture used; 262144 (tcpdump's default) when not given. */
  readonly snaplen?: number;
  /** Nanosecond timestamps (pcap's 0xa1b23c4d magic, pcapng's if_tsresol 9); µs otherwise. */
  readonly nanos?: boolean;
  /** pcapng's if_name option. */
  readonly interfaceName?: string;
}

/**
 * Encodes a capture file: `header()` once, then `packet()` for each packet; concatenated they are
 * the file (what `-w` writes), so a caller can stream them to a file descriptor.
 */
export class CaptureFileWriter {
  readonly format: 'pcap' | 'pcapng';
  private readonly nanos: boolean;
  private readonly linkType: number;
  private readonly snaplen: number;
  private readonly interfaceName: string | undefined;

  constructor(options: CaptureWriterOptions) {
    this.format = options.format ?? 'pcap';
    this.nanos = options.nanos ?? false;
    this.linkType = options.linkType;
    this.snaplen = options.snaplen ?? 262144;
    this.interfaceName = options.interfaceName;
  }

  header(): Uint8Array {
    if (this.format === 'pcap') {
      const out = new Uint8Array(24);
      const v = new DataView(out.buffer);
      v.setUint32(0, this.nanos ? 0xa1b23c4d : 0xa1b2c3d4, true);
      v.setUint16(4, 2, true);
      v.setUint16(6, 4, true);
      v.setUint32(16, this.snaplen, true);
      v.setUint32(20, this.linkType, true);
      return out;
    }
    const name = this.interfaceName === undefined ? undefined : new TextEncoder().encode(this.interfaceName);
    const options: [number, Uint8Array][] = [];
    if (name) options.push([2, name]);
    if (this.nanos) options.push([9, Uint8Array.of(9)]);
    const optionsLength = options.reduce((n, [, d]) => n + 4 + pad4(d.length), 0) + (options.length ? 4 : 0);
    const shbLength = 28;
    const idbLength = 20 + optionsLength;
    const out = new Uint8Array(shbLength + idbLength);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x0a0d0d0a, true);
    v.setUint32(4, shbLength, true);
    v.setUint32(8, 0x1a2b3c4d, true);
    v.setUint16(12, 1, true);
    v.setUint16(14, 0, true);
    v.setInt32(16, -1, true); // section length unknown: -1 as a 64-bit value
    v.setInt32(20, -1, true);
    v.setUint32(24, shbLength, true);
    let o = shbLength;
    v.setUint32(o, 1, true);
    v.setUint32(o + 4, idbLength, true);
    v.setUint16(o + 8, this.linkType, true);
    v.setUint32(o + 12, this.snaplen, true);
    let p = o + 16;
    for (const [code, data] of options) {
      v.setUint16(p, code, true);
      v.setUint16(p + 2, data.length, true);
      out.set(data, p + 4);
      p += 4 + pad4(data.length);
    }
    if (options.length) p += 4; // opt_endofopt
    v.setUint32(p, idbLength, true);
    o += idbLength;
    return out;
  }

  packet(packet: Pick<CapturedPacket, 'seconds' | 'nanos' | 'originalLength' | 'data'>): Uint8Array {
    if (this.format === 'pcap') {
      const out = new Uint8Array(16 + packet.data.length);
      this.packetInto(packet, out, 0);
      return out;
    }
    return this.pcapngPacket(packet);
  }

  /** Bytes `packetInto` writes for this packet. */
  packetLength(packet: Pick<CapturedPacket, 'data'>): number {
    return this.format === 'pcap' ? 16 + packet.data.length : 32 + pad4(packet.data.length);
  }

  /**
   * Writes the packet's record into `out` at `at` and returns where it ends: many records into one
   * buffer, one write, no allocation per packet (pcap; pcapng records are copied in).
   */
  packetInto(
    packet: Pick<CapturedPacket, 'seconds' | 'nanos' | 'originalLength' | 'data'>,
    out: Uint8Array,
    at: number,
  ): number {
    const data = packet.data;
    if (this.format !== 'pcap') {
      const record = this.pcapngPacket(packet);
      out.set(record, at);
      return at + record.length;
    }
    const fraction = this.nanos ? packet.nanos : Math.floor(packet.nanos / 1000);
    le32(out, at, packet.seconds);
    le32(out, at + 4, fraction);
    le32(out, at + 8, data.length);
    le32(out, at + 12, packet.originalLength);
    out.set(data, at + 16);
    return at + 16 + data.length;
  }

  private pcapngPacket(
    packet: Pick<CapturedPacket, 'seconds' | 'nanos' | 'originalLength' | 'data'>,
  ): Uint8Array {
    const data = packet.data;
    const fraction = this.nanos ? packet.nanos : Math.floor(packet.nanos / 1000);
    const length = 32 + pad4(data.length);
    const out = new Uint8Array(length);
    const v = new DataView(out.buffer);
    const perSecond = this.nanos ? 1_000_000_000n : 1_000_000n;
    const ts = BigInt(packet.seconds) * perSecond + BigInt(fraction);
    v.setUint32(0, 6, true);
    v.setUint32(4, length, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, Number(ts >> 32n), true);
    v.setUint32(16, Number(ts & 0xffffffffn), true);
    v.setUint32(20, data.length, true);
    v.setUint32(24, packet.originalLength, true);
    out.set(data, 28);
    v.setUint32(length - 4, length, true);
    return out;
  }
}

function le32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
