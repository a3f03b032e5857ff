import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../../test/support/arbitraries.js';
import type { CapturedPacket } from './packet.js';
import { CaptureFileError, CaptureStreamReader, readCapture } from './read.js';
import { CaptureFileWriter } from './write.js';

const packet = fc.record({
  seconds: fc.integer({ min: 0, max: 0xffffffff }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.uint8Array({ maxLength: 300 }),
  extra: fc.nat(2000),
});

function write(
  packets: readonly Pick<CapturedPacket, 'seconds' | 'nanos' | 'originalLength' | 'data'>[],
  options: ConstructorParameters<typeof CaptureFileWriter>[0],
): Uint8Array {
  const w = new CaptureFileWriter(options);
  return Buffer.concat([w.header(), ...packets.map((p) => w.packet(p))]);
}

/** Everything a file gives back, its error too: what a reader must do with damage. */
function readAll(bytes: Uint8Array): { packets: CapturedPacket[]; error?: CaptureFileError } {
  const packets: CapturedPacket[] = [];
  try {
    for (const p of readCapture(bytes)) packets.push(p);
    return { packets };
  } catch (err) {
    if (err instanceof CaptureFileError) return { packets, error: err };
    throw err;
  }
}

describe('pcap and pcapng: -w then -r', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    for (const nanos of [true, false]) {
      it(`${format}, ${nanos ? 'ns' : 'µs'}: the same bytes, lengths and timestamps come back`, () => {
        fc.assert(
          fc.property(
            fc.array(packet, { maxLength: 20 }),
            fc.constantFrom(1, 101, 113, 228, 229, 276),
            (ps, linkType) => {
              const input = ps.map((p) => ({
                seconds: p.seconds,
                nanos: nanos ? p.nanos : p.nanos - (p.nanos % 1000),
                originalLength: p.data.length + p.extra,
                data: p.data,
              }));
              const { packets, error } = readAll(write(input, { format, linkType, nanos }));
              expect(error).toBeUndefined();
              expect(packets.map((p) => ({ ...p, data: Buffer.from(p.data).toString('hex') }))).toEqual(
                input.map((p) => ({
                  ...p,
                  data: Buffer.from(p.data).toString('hex'),
                  linkType,
                  ...(format === 'pcapng' ? { interfaceId: 0 } : {}),
                })),
              );
            },
          ),
          { numRuns: 300 },
        );
      });
    }
  }

  it('µs files keep microseconds: nanoseconds are cut, as tcpdump -w does', () => {
    const [p] = readAll(
      write([{ seconds: 1, nanos: 123_456_789, originalLength: 1, data: Uint8Array.of(1) }], { linkType: 1 }),
    ).packets;
    expect(p?.nanos).toBe(123_456_000);
  });

  it('reads big-endian pcap', () => {
    const le = write([{ seconds: 7, nanos: 5000, originalLength: 3, data: Uint8Array.of(1, 2, 3) }], {
      linkType: 1,
    });
    const be = Uint8Array.from(le);
    const v = new DataView(be.buffer);
    const s = new DataView(le.buffer, le.byteOffset, le.byteLength);
    for (const at of [0, 8, 12, 16, 20, 24, 28, 32, 36]) v.setUint32(at, s.getUint32(at, true), false);
    v.setUint16(4, 2, false);
    v.setUint16(6, 4, false);
    const { packets, error } = readAll(be);
    expect(error).toBeUndefined();
    expect(packets[0]).toMatchObject({ seconds: 7, nanos: 5000, originalLength: 3, linkType: 1 });
  });

  it('a truncated file: the packets before the damage, then an error naming its offset', () => {
    const file = write(
      [1, 2, 3].map((n) => ({ seconds: n, nanos: 0, originalLength: 10, data: new Uint8Array(10).fill(n) })),
      { linkType: 1 },
    );
    const { packets, error } = readAll(file.subarray(0, file.length - 4));
    expect(packets).toHaveLength(2);
    expect(error?.offset).toBe(24 + 2 * 26);
    expect(error?.message).toBe('truncated packet record (6 of 10 bytes) at offset 76');
    expect(readAll(Uint8Array.of(1, 2, 3, 4, 5)).error?.message).toMatch(/^not a pcap or pcapng file/);
  });

  it('a pcapng file cut inside a block names the block', () => {
    const file = write([{ seconds: 1, nanos: 0, originalLength: 4, data: Uint8Array.of(1, 2, 3, 4) }], {
      linkType: 1,
      format: 'pcapng',
    });
    const { packets, error } = readAll(file.subarray(0, file.length - 1));
    expect(packets).toHaveLength(0);
    expect(error?.offset).toBe(28 + 20);
  });

  it('mutated and random files: never anything but packets and one CaptureFileError', () => {
    const seed = fc
      .tuple(
        fc.array(packet, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('pcap', 'pcapng') as fc.Arbitrary<'pcap' | 'pcapng'>,
        fc.boolean(),
      )
      .map(([ps, format, nanos]) =>
        write(
          ps.map((p) => ({
            seconds: p.seconds,
            nanos: nanos ? p.nanos : 0,
            originalLength: p.data.length,
            data: p.data,
          })),
          { linkType: 1, format, nanos },
        ),
      );
    fc.assert(
      fc.property(fc.oneof(mutated(seed), fc.uint8Array({ maxLength: 200 })), (bytes) => {
        const { packets } = readAll(bytes);
        for (const p of packets) expect(p.data.length).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('CaptureStreamReader: a file in chunks', () => {
  it('gives the packets readCapture gives, however the file is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(packet, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('pcap', 'pcapng') as fc.Arbitrary<'pcap' | 'pcapng'>,
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
        (ps, format, cuts) => {
          const file = write(
            ps.map((p) => ({ seconds: p.seconds, nanos: 0, originalLength: p.data.length, data: p.data })),
            { linkType: 1, format },
          );
          const reader = new CaptureStreamReader();
          const got: string[] = [];
          let at = 0;
          for (let i = 0; at < file.length; i++) {
            const n = cuts[i % cuts.length]!;
            for (const p of reader.push(file.subarray(at, at + n)))
              got.push(Buffer.from(p.data).toString('hex'));
            at += n;
          }
          reader.end();
          expect(got).toEqual(readAll(file).packets.map((p) => Buffer.from(p.data).toString('hex')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an input that ends inside a record: the error names the file offset', () => {
    const file = write(
      [1, 2].map((n) => ({ seconds: n, nanos: 0, originalLength: 10, data: new Uint8Array(10).fill(n) })),
      { linkType: 1 },
    );
    const reader = new CaptureStreamReader();
    expect(reader.push(file.subarray(0, 30))).toHaveLength(0);
    expect(reader.push(file.subarray(30, file.length - 3))).toHaveLength(1);
    expect(() => reader.end()).toThrow('truncated packet record (7 of 10 bytes) at offset 50');
  });
});

describe('CaptureFileWriter.packetInto: many records into one buffer', () => {
  it('writes what packet() writes, back to back', () => {
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 10 }),
        fc.constantFrom('pcap', 'pcapng') as fc.Arbitrary<'pcap' | 'pcapng'>,
        (ps, format) => {
          const w = new CaptureFileWriter({ linkType: 1, format, nanos: true });
          const input = ps.map((p) => ({
            seconds: p.seconds,
            nanos: p.nanos,
            originalLength: p.data.length,
            data: p.data,
          }));
          const out = new Uint8Array(input.reduce((n, p) => n + w.packetLength(p), 0));
          let at = 0;
          for (const p of input) at = w.packetInto(p, out, at);
          expect(at).toBe(out.length);
          expect(Buffer.from(out).equals(Buffer.concat(input.map((p) => w.packet(p))))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
