import { randomInt } from '@netdiag/address';
import { DnsError } from './errors.js';
import { escapeLabel } from './escape.js';
import { rcodeName, typeName } from './record-types.js';
import { type DnsRecord, decodeName, decodeRecordData } from './records.js';
import { encodeWireName, parseNameLabels } from './wire-name.js';

export interface Question {
  /** Presentation form, escaped, trailing dot. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface EdnsOptions {
  /** Largest UDP answer we accept; 1232 is the DNS Flag Day 2020 value that avoids fragments. */
  readonly udpSize: number;
  /** DO bit: ask for DNSSEC records. */
  readonly dnssecOk: boolean;
  /** Ask the server to identify itself (RFC 5001). */
  readonly nsid: boolean;
}

export interface QueryMessage {
  readonly id: number;
  readonly question: Question;
  readonly recursionDesired: boolean;
  readonly checkingDisabled: boolean;
  readonly authenticData: boolean;
  /** `false` sends a plain RFC 1035 query, without an OPT record. */
  readonly edns: EdnsOptions | false;
}

export interface HeaderFlags {
  readonly qr: boolean;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
}

export interface EdnsInfo {
  readonly version: number;
  readonly udpSize: number;
  readonly dnssecOk: boolean;
  readonly options: readonly { readonly code: number; readonly data: Uint8Array }[];
  /** The server's NSID, when it sent one. */
  readonly nsid?: Uint8Array;
}

export interface DnsMessage {
  readonly id: number;
  readonly opcode: number;
  readonly flags: HeaderFlags;
  /** With the extended bits from EDNS when present. */
  readonly rcode: string;
  readonly questions: readonly Question[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
  readonly edns?: EdnsInfo;
}

export const DEFAULT_EDNS: EdnsOptions = { udpSize: 1232, dnssecOk: false, nsid: false };

/** A random 16-bit query ID from the CSPRNG (RFC 5452: guessable IDs invite spoofing). */
export function randomId(): number {
  return randomInt(0, 0x10000);
}

/** Canonical presentation form of a user-given name: escapes normalised, trailing dot. */
export function canonicalName(text: string): string {
  const labels = parseNameLabels(text);
  return labels.length === 0 ? '.' : `${labels.map(escapeLabel).join('.')}.`;
}

export function encodeQuery(q: QueryMessage): Uint8Array {
  const qname = encodeWireName(q.question.name);
  const opt = q.edns === false ? 0 : 11 + (q.edns.nsid ? 4 : 0);
  const buf = Buffer.alloc(12 + qname.length + 4 + opt);
  buf.writeUInt16BE(q.id, 0);
  buf.writeUInt16BE(
    (q.recursionDesired ? 0x0100 : 0) | (q.authenticData ? 0x0020 : 0) | (q.checkingDisabled ? 0x0010 : 0),
    2,
  );
  buf.writeUInt16BE(1, 4);
  buf.writeUInt16BE(q.edns === false ? 0 : 1, 10);
  buf.set(qname, 12);
  let at = 12 + qname.length;
  buf.writeUInt16BE(q.question.type, at);
  buf.writeUInt16BE(q.question.class, at + 2);
  at += 4;
  if (q.edns !== false) {
    // OPT pseudo-RR (RFC 6891): root owner, CLASS = UDP size, TTL = ext-rcode, version, DO.
    buf[at] = 0;
    buf.writeUInt16BE(41, at + 1);
    buf.writeUInt16BE(q.edns.udpSize, at + 3);
    buf.writeUInt32BE(q.edns.dnssecOk ? 0x8000 : 0, at + 5);
    buf.writeUInt16BE(q.edns.nsid ? 4 : 0, at + 9);
    if (q.edns.nsid) buf.writeUInt16BE(3, at + 11); // NSID, empty: "tell me yours"
  }
  return buf;
}

function need(buf: Buffer, at: number, n: number, what: string): void {
  if (at + n > buf.length)
    throw new DnsError('MALFORMED', `message ends inside ${what} (${buf.length} bytes)`);
}

/**
 * Decodes a whole DNS message. Hostile input gives a DnsError('MALFORMED'), never another
 * exception: lengths are checked against the buffer and names go through dns-packet's decoder,
 * which only follows compression pointers that point backwards (no loops).
 */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  try {
    return decodeUnchecked(bytes);
  } catch (err) {
    // Belt and braces: whatever a decoder below throws, the caller sees one error class.
    if (err instanceof DnsError) throw err;
    throw new DnsError('MALFORMED', `undecodable message: ${(err as Error).message}`, { cause: err });
  }
}

function decodeUnchecked(bytes: Uint8Array): DnsMessage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  need(buf, 0, 12, 'the header');
  const id = buf.readUInt16BE(0);
  const f = buf.readUInt16BE(2);
  const counts = [
    buf.readUInt16BE(4),
    buf.readUInt16BE(6),
    buf.readUInt16BE(8),
    buf.readUInt16BE(10),
  ] as const;
  let at = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = decodeName(buf, at);
    at += n.bytesRead;
    need(buf, at, 4, 'a question');
    questions.push({ name: n.value, type: buf.readUInt16BE(at), class: buf.readUInt16BE(at + 2) });
    at += 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  let edns: EdnsInfo | undefined;
  let extRcode = 0;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = decodeName(buf, at);
      at += n.bytesRead;
      need(buf, at, 10, 'a record header');
      const type = buf.readUInt16BE(at);
      const klass = buf.readUInt16BE(at + 2);
      const ttl = buf.readUInt32BE(at + 4);
      const rdLength = buf.readUInt16BE(at + 8);
      at += 10;
      need(buf, at, rdLength, 'RDATA');
      if (type === 41) {
        if (s !== 2 || edns !== undefined)
          throw new DnsError('MALFORMED', 'OPT record outside the additional section or twice');
        extRcode = ttl >>> 24;
        edns = decodeOpt(buf.subarray(at, at + rdLength), klass, ttl);
      } else {
        const data = decodeRecordData(type, buf, at, rdLength);
        const record = {
          name: n.value,
          ttl,
          class: klass === 1 ? 'IN' : `CLASS${klass}`,
          ...data,
        } as DnsRecord;
        sections[s]!.push(record);
      }
      at += rdLength;
    }
  }
  const message: DnsMessage = {
    id,
    opcode: (f >> 11) & 0xf,
    flags: {
      qr: (f & 0x8000) !== 0,
      aa: (f & 0x0400) !== 0,
      tc: (f & 0x0200) !== 0,
      rd: (f & 0x0100) !== 0,
      ra: (f & 0x0080) !== 0,
      ad: (f & 0x0020) !== 0,
      cd: (f & 0x0010) !== 0,
    },
    rcode: rcodeName((extRcode << 4) | (f & 0xf)),
    questions,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: sections[2]!,
  };
  return edns ? { ...message, edns } : message;
}

function decodeOpt(rdata: Buffer, udpSize: number, ttl: number): EdnsInfo {
  const options: { code: number; data: Uint8Array }[] = [];
  let nsid: Uint8Array | undefined;
  for (let i = 0; i < rdata.length; ) {
    if (i + 4 > rdata.length) throw new DnsError('MALFORMED', 'truncated EDNS option');
    const code = rdata.readUInt16BE(i);
    const len = rdata.readUInt16BE(i + 2);
    if (i + 4 + len > rdata.length) throw new DnsError('MALFORMED', 'EDNS option runs past OPT RDATA');
    const data = Uint8Array.from(rdata.subarray(i + 4, i + 4 + len));
    options.push({ code, data });
    if (code === 3) nsid = data;
    i += 4 + len;
  }
  const info: EdnsInfo = { version: (ttl >>> 16) & 0xff, udpSize, dnssecOk: (ttl & 0x8000) !== 0, options };
  return nsid ? { ...info, nsid } : info;
}

/** DNS names compare case-insensitively in ASCII only (RFC 4343). */
export function sameName(a: string, b: string): boolean {
  return (
    a.length === b.length &&
    a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === b.replace(/[A-Z]/g, (c) => c.toLowerCase())
  );
}

/**
 * Whether `bytes` is the answer to `query`: a response, same ID, same single question. Returns
 * the decoded message, or why it is not the answer (the caller keeps waiting: a forged or stray
 * datagram must not end the wait, RFC 5452).
 */
export function matchResponse(query: QueryMessage, bytes: Uint8Array): DnsMessage | string {
  if (bytes.length < 12) return `short packet (${bytes.length} bytes)`;
  const id = (bytes[0]! << 8) | bytes[1]!;
  if (id !== query.id) return `wrong ID ${id} (asked ${query.id})`;
  let m: DnsMessage;
  try {
    m = decodeMessage(bytes);
  } catch (err) {
    return err instanceof DnsError ? `malformed answer: ${err.message}` : `malformed answer: ${String(err)}`;
  }
  if (!m.flags.qr) return 'a query, not a response';
  const q = m.questions[0];
  // A FORMERR/NOTIMP answer may echo no question at all; take it as the server's word.
  if (m.questions.length === 0 && m.rcode !== 'NOERROR' && m.rcode !== 'NXDOMAIN') return m;
  if (m.questions.length !== 1 || q === undefined) return `answer has ${m.questions.length} questions`;
  if (
    q.type !== query.question.type ||
    q.class !== query.question.class ||
    !sameName(q.name, query.question.name)
  ) {
    return `answer is for a different question (${q.name} ${typeName(q.type)})`;
  }
  return m;
}
