import * as dnsPacket from 'dns-packet';
import ipaddr from 'ipaddr.js';
import { DnsError } from './errors.js';
import { escapeLabel, quoteCharacterString } from './escape.js';
import { typeName } from './record-types.js';
import { decodeSvcb, presentSvcb, type SvcbData } from './svcb.js';

/** What every resource record carries. Names are in presentation form, escaped, with a trailing dot. */
export interface RecordHeader {
  readonly name: string;
  readonly ttl: number;
  /** `IN` almost always; `CLASSnnn` otherwise. */
  readonly class: string;
}

export type RecordData =
  | { readonly type: 'A'; readonly address: string }
  | { readonly type: 'AAAA'; readonly address: string }
  | { readonly type: 'CNAME'; readonly target: string }
  | { readonly type: 'NS'; readonly target: string }
  | { readonly type: 'PTR'; readonly target: string }
  | { readonly type: 'DNAME'; readonly target: string }
  | { readonly type: 'MX'; readonly preference: number; readonly exchange: string }
  | {
      readonly type: 'SOA';
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  /** Each <character-string> as the bytes the server sent (TXT is not text: print it escaped). */
  | { readonly type: 'TXT'; readonly strings: readonly Uint8Array[] }
  | {
      readonly type: 'SRV';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
  | { readonly type: 'CAA'; readonly flags: number; readonly tag: string; readonly value: Uint8Array }
  | {
      readonly type: 'DS';
      readonly keyTag: number;
      readonly algorithm: number;
      readonly digestType: number;
      readonly digest: Uint8Array;
    }
  | {
      readonly type: 'DNSKEY';
      readonly flags: number;
      readonly protocol: number;
      readonly algorithm: number;
      readonly publicKey: Uint8Array;
    }
  | {
      readonly type: 'RRSIG';
      readonly typeCovered: string;
      readonly algorithm: number;
      readonly labels: number;
      readonly originalTtl: number;
      /** Seconds since 1970 (serial-number arithmetic is the validator's business). */
      readonly expiration: number;
      readonly inception: number;
      readonly keyTag: number;
      readonly signerName: string;
      readonly signature: Uint8Array;
    }
  | { readonly type: 'NSEC'; readonly next: string; readonly types: readonly string[] }
  | ({ readonly type: 'SVCB' | 'HTTPS' } & SvcbData)
  /** A type netdiag does not model: its RDATA as sent (RFC 3597 presentation). */
  | { readonly type: 'UNKNOWN'; readonly typeCode: number; readonly rdata: Uint8Array };

export type DnsRecord = RecordHeader & RecordData;
export type RecordOf<T extends DnsRecord['type']> = Extract<DnsRecord, { type: T }>;

/** dns-packet's exported codecs that its type declarations leave out. */
interface PacketCodecs {
  record(type: string): { decode: ((buf: Buffer, offset: number) => unknown) & { bytes: number } };
}
const codecs = dnsPacket as unknown as PacketCodecs;

/**
 * Decodes a (possibly compressed) name at `offset` of the whole message, byte-exact: each label
 * is escaped from its bytes (dns-packet's decoder reads labels as UTF-8 and joins them with
 * dots, which loses bytes that are not UTF-8 and dots inside labels). Every compression pointer
 * must point before every place already visited, so a loop cannot be followed (RFC 1035 4.1.4,
 * and the rule dns-packet applies).
 */
export function decodeName(msg: Uint8Array, offset: number): { value: string; bytesRead: number } {
  const labels: string[] = [];
  let at = offset;
  let lowest = offset;
  let bytesRead = -1;
  let total = 1;
  for (;;) {
    const len = msg[at];
    if (len === undefined) throw new DnsError('MALFORMED', 'bad name: runs past the end of the message');
    if (len === 0) {
      if (bytesRead < 0) bytesRead = at + 1 - offset;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      const low = msg[at + 1];
      if (low === undefined) throw new DnsError('MALFORMED', 'bad name: pointer cut off');
      if (bytesRead < 0) bytesRead = at + 2 - offset;
      const target = ((len & 0x3f) << 8) | low;
      if (target >= lowest)
        throw new DnsError('MALFORMED', `bad name: bad pointer to ${target}, not before ${lowest}`);
      lowest = target;
      at = target;
      continue;
    }
    if (len & 0xc0) throw new DnsError('MALFORMED', `bad name: unknown label type 0x${len.toString(16)}`);
    if (at + 1 + len > msg.length)
      throw new DnsError('MALFORMED', 'bad name: label runs past the end of the message');
    total += len + 1;
    if (total > 255) throw new DnsError('MALFORMED', 'bad name: longer than 255 bytes');
    labels.push(escapeLabel(msg.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  return { value: labels.length === 0 ? '.' : `${labels.join('.')}.`, bytesRead };
}

/** Runs one of dns-packet's RDATA decoders and insists it used exactly RDLENGTH bytes. */
function viaPacket<T>(type: string, msg: Buffer, rdOffset: number, rdLength: number): T {
  const codec = codecs.record(type);
  let value: unknown;
  try {
    value = codec.decode(msg, rdOffset - 2);
  } catch (err) {
    throw new DnsError('MALFORMED', `bad ${type} RDATA: ${(err as Error).message}`, { cause: err });
  }
  if (codec.decode.bytes !== rdLength + 2)
    throw new DnsError('MALFORMED', `${type} RDATA length does not match its contents`);
  return value as T;
}

function fixed(type: string, rdLength: number, want: number): void {
  if (rdLength !== want) throw new DnsError('MALFORMED', `${type} RDATA is ${rdLength} bytes, not ${want}`);
}

function nameInRdata(msg: Buffer, at: number, end: number): { value: string; bytesRead: number } {
  const n = decodeName(msg, at);
  if (at + n.bytesRead > end) throw new DnsError('MALFORMED', 'name runs past RDATA');
  return n;
}

/** Decodes RDATA at `rdOffset` (message-relative, so compressed names resolve). */
export function decodeRecordData(
  typeCode: number,
  msg: Buffer,
  rdOffset: number,
  rdLength: number,
): RecordData {
  const end = rdOffset + rdLength;
  const rdata = msg.subarray(rdOffset, end);
  switch (typeCode) {
    case 1:
      fixed('A', rdLength, 4);
      return { type: 'A', address: Array.from(rdata).join('.') };
    case 28:
      fixed('AAAA', rdLength, 16);
      return { type: 'AAAA', address: ipaddr.fromByteArray(Array.from(rdata)).toString() };
    case 2:
    case 5:
    case 12:
    case 39: {
      const n = nameInRdata(msg, rdOffset, end);
      if (n.bytesRead !== rdLength) throw new DnsError('MALFORMED', 'name RDATA length mismatch');
      const type = typeCode === 2 ? 'NS' : typeCode === 5 ? 'CNAME' : typeCode === 12 ? 'PTR' : 'DNAME';
      return { type, target: n.value };
    }
    case 15: {
      if (rdLength < 3) throw new DnsError('MALFORMED', 'MX RDATA too short');
      const n = nameInRdata(msg, rdOffset + 2, end);
      if (n.bytesRead + 2 !== rdLength) throw new DnsError('MALFORMED', 'MX RDATA length mismatch');
      return { type: 'MX', preference: msg.readUInt16BE(rdOffset), exchange: n.value };
    }
    case 6: {
      const m = nameInRdata(msg, rdOffset, end);
      const r = nameInRdata(msg, rdOffset + m.bytesRead, end);
      const at = rdOffset + m.bytesRead + r.bytesRead;
      if (at + 20 !== end) throw new DnsError('MALFORMED', 'SOA RDATA length mismatch');
      return {
        type: 'SOA',
        mname: m.value,
        rname: r.value,
        serial: msg.readUInt32BE(at),
        refresh: msg.readUInt32BE(at + 4),
        retry: msg.readUInt32BE(at + 8),
        expire: msg.readUInt32BE(at + 12),
        minimum: msg.readUInt32BE(at + 16),
      };
    }
    case 16: {
      const strings: Uint8Array[] = [];
      for (let i = 0; i < rdata.length; ) {
        const n = rdata[i++]!;
        if (i + n > rdata.length) throw new DnsError('MALFORMED', 'TXT string runs past RDATA');
        strings.push(Uint8Array.from(rdata.subarray(i, i + n)));
        i += n;
      }
      return { type: 'TXT', strings };
    }
    case 33: {
      if (rdLength < 7) throw new DnsError('MALFORMED', 'SRV RDATA too short');
      const n = nameInRdata(msg, rdOffset + 6, end);
      if (n.bytesRead + 6 !== rdLength) throw new DnsError('MALFORMED', 'SRV RDATA length mismatch');
      return {
        type: 'SRV',
        priority: msg.readUInt16BE(rdOffset),
        weight: msg.readUInt16BE(rdOffset + 2),
        port: msg.readUInt16BE(rdOffset + 4),
        target: n.value,
      };
    }
    case 257: {
      // Our own: dns-packet decodes the value as UTF-8, which would hide what was sent.
      if (rdLength < 2) throw new DnsError('MALFORMED', 'CAA RDATA too short');
      const tagLen = rdata[1]!;
      if (2 + tagLen > rdLength) throw new DnsError('MALFORMED', 'CAA tag runs past RDATA');
      return {
        type: 'CAA',
        flags: rdata[0]!,
        tag: Buffer.from(rdata.subarray(2, 2 + tagLen)).toString('latin1'),
        value: Uint8Array.from(rdata.subarray(2 + tagLen)),
      };
    }
    case 43: {
      const d = viaPacket<{ keyTag: number; algorithm: number; digestType: number; digest: Buffer }>(
        'DS',
        msg,
        rdOffset,
        rdLength,
      );
      return {
        type: 'DS',
        keyTag: d.keyTag,
        algorithm: d.algorithm,
        digestType: d.digestType,
        digest: Uint8Array.from(d.digest),
      };
    }
    case 48: {
      if (rdLength < 4) throw new DnsError('MALFORMED', 'DNSKEY RDATA too short');
      // Ours rather than dns-packet's, which refuses a protocol other than 3 instead of showing it.
      return {
        type: 'DNSKEY',
        flags: msg.readUInt16BE(rdOffset),
        protocol: rdata[2]!,
        algorithm: rdata[3]!,
        publicKey: Uint8Array.from(rdata.subarray(4)),
      };
    }
    case 46: {
      if (rdLength < 19) throw new DnsError('MALFORMED', 'RRSIG RDATA too short');
      const s = viaPacket<{
        typeCovered: string;
        algorithm: number;
        labels: number;
        originalTTL: number;
        expiration: number;
        inception: number;
        keyTag: number;
        signature: Buffer;
      }>('RRSIG', msg, rdOffset, rdLength);
      const signer = nameInRdata(msg, rdOffset + 18, end);
      return {
        type: 'RRSIG',
        typeCovered: typeName(msg.readUInt16BE(rdOffset)),
        algorithm: s.algorithm,
        labels: s.labels,
        originalTtl: s.originalTTL,
        expiration: s.expiration,
        inception: s.inception,
        keyTag: s.keyTag,
        signerName: signer.value,
        signature: Uint8Array.from(s.signature),
      };
    }
    case 47: {
      const next = nameInRdata(msg, rdOffset, end);
      return {
        type: 'NSEC',
        next: next.value,
        types: decodeTypeBitmap(msg.subarray(rdOffset + next.bytesRead, end)),
      };
    }
    case 64:
    case 65: {
      const { value } = decodeSvcb(rdata);
      return { type: typeCode === 64 ? 'SVCB' : 'HTTPS', ...value };
    }
    default:
      return { type: 'UNKNOWN', typeCode, rdata: Uint8Array.from(rdata) };
  }
}

/** NSEC/NSEC3 type bitmap (RFC 4034 4.1.2): windows in increasing order, 1 to 32 bytes each. */
export function decodeTypeBitmap(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let last = -1;
  for (let i = 0; i < bytes.length; ) {
    if (i + 2 > bytes.length) throw new DnsError('MALFORMED', 'truncated type bitmap');
    const window = bytes[i]!;
    const len = bytes[i + 1]!;
    if (window <= last || len < 1 || len > 32 || i + 2 + len > bytes.length)
      throw new DnsError('MALFORMED', 'bad type bitmap window');
    for (let j = 0; j < len; j++) {
      const b = bytes[i + 2 + j]!;
      for (let bit = 0; bit < 8; bit++) if (b & (0x80 >> bit)) out.push(typeName(window * 256 + j * 8 + bit));
    }
    last = window;
    i += 2 + len;
  }
  return out;
}

/** Base64 or hex split into 56-character chunks, as dig prints them on one line. */
function chunked(text: string): string {
  return text.match(/.{1,56}/g)?.join(' ') ?? '';
}

function sigTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** RDATA in presentation form, exactly as dig prints it. */
export function rdataText(r: RecordData): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return r.address;
    case 'CNAME':
    case 'NS':
    case 'PTR':
    case 'DNAME':
      return r.target;
    case 'MX':
      return `${r.preference} ${r.exchange}`;
    case 'SOA':
      return `${r.mname} ${r.rname} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
    case 'TXT':
      return r.strings.map(quoteCharacterString).join(' ');
    case 'SRV':
      return `${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case 'CAA':
      return `${r.flags} ${r.tag} ${quoteCharacterString(r.value)}`;
    case 'DS':
      return `${r.keyTag} ${r.algorithm} ${r.digestType} ${chunked(Buffer.from(r.digest).toString('hex').toUpperCase())}`;
    case 'DNSKEY':
      return `${r.flags} ${r.protocol} ${r.algorithm} ${chunked(Buffer.from(r.publicKey).toString('base64'))}`;
    case 'RRSIG':
      return [
        r.typeCovered,
        r.algorithm,
        r.labels,
        r.originalTtl,
        sigTime(r.expiration),
        sigTime(r.inception),
        r.keyTag,
        r.signerName,
        chunked(Buffer.from(r.signature).toString('base64')),
      ].join(' ');
    case 'NSEC':
      return [r.next, ...r.types].join(' ');
    case 'SVCB':
    case 'HTTPS':
      return presentSvcb(r);
    case 'UNKNOWN':
      return `\\# ${r.rdata.length}${r.rdata.length ? ` ${chunked(Buffer.from(r.rdata).toString('hex').toUpperCase())}` : ''}`;
  }
}

export function recordTypeName(r: DnsRecord): string {
  return r.type === 'UNKNOWN' ? typeName(r.typeCode) : r.type;
}

/** One record as a dig answer line: name, TTL, class, type, RDATA (tab separated). */
export function recordText(r: DnsRecord): string {
  return `${r.name}\t${r.ttl}\t${r.class}\t${recordTypeName(r)}\t${rdataText(r)}`;
}
