import { internetChecksum } from './checksum.js';

/** One object of an ICMP extension structure (RFC 4884 §7). */
export interface IcmpExtensionObject {
  readonly classNum: number;
  readonly cType: number;
  readonly payload: Uint8Array;
}

/** The extension structure that RFC 4884 appends after the quoted datagram. */
export interface IcmpExtensions {
  readonly objects: readonly IcmpExtensionObject[];
  /** Whether the structure's checksum verified; routers are known to send it wrong or zero. */
  readonly checksumOk: boolean;
}

/** One entry of an MPLS label stack (RFC 4950), as a router on an LSP reports it. */
export interface MplsLabel {
  readonly label: number;
  /** Traffic class (formerly EXP), 3 bits. */
  readonly trafficClass: number;
  readonly bottomOfStack: boolean;
  readonly ttl: number;
}

const EXTENSION_VERSION = 2;
const HEADER = 4;
const OBJECT_HEADER = 4;
const MPLS_CLASS = 1;
const MPLS_INCOMING_STACK = 1;

/**
 * Parses an extension structure, or returns null when the bytes are not one (wrong version, too
 * short, an object whose length runs past the end): a malformed extension must not cost the
 * caller the error message it came with.
 */
export function decodeExtensions(bytes: Uint8Array, requireChecksum: boolean): IcmpExtensions | null {
  if (bytes.length < HEADER || bytes[0]! >> 4 !== EXTENSION_VERSION) return null;
  const checksumOk = internetChecksum(bytes) === 0;
  if (requireChecksum && !checksumOk) return null;
  const objects: IcmpExtensionObject[] = [];
  let at = HEADER;
  while (at + OBJECT_HEADER <= bytes.length) {
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (length < OBJECT_HEADER || at + length > bytes.length) return null;
    objects.push({
      classNum: bytes[at + 2]!,
      cType: bytes[at + 3]!,
      payload: bytes.slice(at + OBJECT_HEADER, at + length),
    });
    at += length;
  }
  if (at !== bytes.length) return null;
  return { objects, checksumOk };
}

export function encodeExtensions(objects: readonly IcmpExtensionObject[]): Uint8Array {
  const length = HEADER + objects.reduce((n, o) => n + OBJECT_HEADER + o.payload.length, 0);
  const out = new Uint8Array(length);
  out[0] = EXTENSION_VERSION << 4;
  let at = HEADER;
  for (const o of objects) {
    const objectLength = OBJECT_HEADER + o.payload.length;
    out[at] = objectLength >> 8;
    out[at + 1] = objectLength & 0xff;
    out[at + 2] = o.classNum;
    out[at + 3] = o.cType;
    out.set(o.payload, at + OBJECT_HEADER);
    at += objectLength;
  }
  const sum = internetChecksum(out);
  out[2] = sum >> 8;
  out[3] = sum & 0xff;
  return out;
}

/** The MPLS label stack entries an ICMP error carries (RFC 4950), outermost first. */
export function mplsLabels(extensions: IcmpExtensions | null): MplsLabel[] {
  if (!extensions) return [];
  const labels: MplsLabel[] = [];
  for (const o of extensions.objects) {
    if (o.classNum !== MPLS_CLASS || o.cType !== MPLS_INCOMING_STACK) continue;
    for (let i = 0; i + 4 <= o.payload.length; i += 4) {
      const w =
        ((o.payload[i]! << 24) | (o.payload[i + 1]! << 16) | (o.payload[i + 2]! << 8) | o.payload[i + 3]!) >>>
        0;
      labels.push({
        label: w >>> 12,
        trafficClass: (w >>> 9) & 7,
        bottomOfStack: ((w >>> 8) & 1) === 1,
        ttl: w & 0xff,
      });
    }
  }
  return labels;
}

/** The extension object for an MPLS label stack, for tests and for lab responders. */
export function mplsObject(labels: readonly MplsLabel[]): IcmpExtensionObject {
  const payload = new Uint8Array(labels.length * 4);
  const view = new DataView(payload.buffer);
  labels.forEach((l, i) => {
    view.setUint32(
      i * 4,
      ((l.label << 12) | (l.trafficClass << 9) | (l.bottomOfStack ? 0x100 : 0) | l.ttl) >>> 0,
    );
  });
  return { classNum: MPLS_CLASS, cType: MPLS_INCOMING_STACK, payload };
}
