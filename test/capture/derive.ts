import { type CapturedPacket, CaptureFileWriter, readCapture } from '../../packages/capture/src/index.js';

/**
 * Files derived from a capture tcpdump wrote, for what the lab cannot produce directly (this
 * machine's kernel has no 8021q module for VLAN links) or for other file shapes: the same frames
 * re-framed, cut or re-encoded, and then compared with what tcpdump prints for the derived file.
 */
export function packetsOf(bytes: Uint8Array): CapturedPacket[] {
  return [...readCapture(bytes)];
}

export function writeFile(
  packets: readonly Pick<CapturedPacket, 'seconds' | 'nanos' | 'originalLength' | 'data'>[],
  options: ConstructorParameters<typeof CaptureFileWriter>[0],
): Uint8Array {
  const w = new CaptureFileWriter(options);
  const parts = [w.header(), ...packets.map((p) => w.packet(p))];
  return Buffer.concat(parts);
}

/** 802.1Q (and for every third frame QinQ, 802.1ad outside 802.1Q) tags after the addresses. */
export function vlanTagged(packets: readonly CapturedPacket[]): CapturedPacket[] {
  return packets.map((p, i) => {
    const tags =
      i % 3 === 2
        ? [0x88, 0xa8, 0x20 | (i & 0xf), 100, 0x81, 0x00, 0xb0, 10]
        : [0x81, 0x00, (i % 8) << 5, 10 + (i % 4)];
    const data = Uint8Array.from([...p.data.subarray(0, 12), ...tags, ...p.data.subarray(12)]);
    return { ...p, data, originalLength: p.originalLength + tags.length };
  });
}

/** The IP packets alone (LINKTYPE_RAW, IPV4 or IPV6): Ethernet header dropped, ARP left out. */
export function rawIp(packets: readonly CapturedPacket[], only?: 4 | 6): CapturedPacket[] {
  return packets
    .filter((p) => {
      const type = (p.data[12]! << 8) | p.data[13]!;
      return only === 4 ? type === 0x0800 : only === 6 ? type === 0x86dd : type === 0x0800 || type === 0x86dd;
    })
    .map((p) => ({ ...p, data: p.data.subarray(14), originalLength: p.originalLength - 14 }));
}

/** Linux cooked v1 (SLL) headers in place of Ethernet's, as `tcpdump -i any` wrote before SLL2. */
export function cookedV1(packets: readonly CapturedPacket[]): CapturedPacket[] {
  return packets.map((p, i) => {
    const h = new Uint8Array(16);
    h[1] = [0, 4, 1, 2, 3][i % 5]!; // host, outgoing, broadcast, multicast, otherhost
    h[3] = 1; // ARPHRD_ETHER
    h[5] = 6;
    h.set(p.data.subarray(6, 12), 6);
    h.set(p.data.subarray(12, 14), 14);
    const data = Uint8Array.from([...h, ...p.data.subarray(14)]);
    return { ...p, data, originalLength: p.originalLength + 2 };
  });
}

/** Each frame cut to `snaplen` bytes, as a capture with -s SNAPLEN keeps it. */
export function snapped(packets: readonly CapturedPacket[], snaplen: number): CapturedPacket[] {
  return packets.map((p) => ({ ...p, data: p.data.subarray(0, snaplen) }));
}

/** A pcap file's bytes in the other byte order (header and record fields swapped). */
export function byteSwappedPcap(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const v = new DataView(out.buffer);
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  v.setUint32(0, src.getUint32(0, true), false);
  v.setUint16(4, src.getUint16(4, true), false);
  v.setUint16(6, src.getUint16(6, true), false);
  for (const at of [8, 12, 16, 20]) v.setUint32(at, src.getUint32(at, true), false);
  for (let at = 24; at + 16 <= out.length; ) {
    const captured = src.getUint32(at + 8, true);
    for (let k = 0; k < 16; k += 4) v.setUint32(at + k, src.getUint32(at + k, true), false);
    at += 16 + captured;
  }
  return out;
}

/** `count` frames of `packets`, each with one to three bytes after the link header changed (a fixed sequence). */
export function mutatedFrames(
  packets: readonly CapturedPacket[],
  count: number,
  seed = 11,
): CapturedPacket[] {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const out: CapturedPacket[] = [];
  for (let i = 0; i < count; i++) {
    const p = packets[random(packets.length)]!;
    const data = Uint8Array.from(p.data);
    const flips = 1 + random(3);
    for (let k = 0; k < flips; k++) {
      const at = 14 + random(Math.max(1, data.length - 14));
      if (at < data.length) data[at] = random(256);
    }
    out.push({ ...p, seconds: 1_700_000_000, nanos: i * 1000, data });
  }
  return out;
}
