import { DnsError } from '../errors.js';

/**
 * DNS over a stream (TCP, TLS) frames each message with a 2-byte length (RFC 1035 4.2.2,
 * RFC 7766). Pure: chunks in, whole messages out, however the bytes were split.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.pending.length < 2) break;
      const len = this.pending.readUInt16BE(0);
      if (len === 0) throw new DnsError('MALFORMED', 'zero-length DNS frame on the stream');
      if (this.pending.length < 2 + len) break;
      out.push(Uint8Array.from(this.pending.subarray(2, 2 + len)));
      this.pending = this.pending.subarray(2 + len);
    }
    return out;
  }

  /** Bytes received that do not yet make a whole frame. */
  get buffered(): number {
    return this.pending.length;
  }
}

export function frame(message: Uint8Array): Uint8Array {
  if (message.length > 0xffff) throw new DnsError('BAD_INPUT', 'message longer than 65535 bytes');
  const out = new Uint8Array(2 + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}
