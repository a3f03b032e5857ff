import { formatIpv6 } from '@netdiag/address';
import { formatIpv4 } from '@netdiag/icmp';
import { HEX2, u16, u32 } from '../decode/bytes.js';
import { DNS_CLASS, DNS_OPCODE, DNS_RCODE, DNS_TYPE, EDNS_OPTION } from './names.js';

/** Thrown inside the walker when the captured bytes end: the line ends with ` [|domain]`. */
class Truncated {}
const TRUNCATED = new Truncated();

/** tcpdump's character escaping (fn_print_char): M- for the high bit, ^X for controls. */
function printable(c: number): string {
  let s = '';
  if (c & 0x80) {
    s = 'M-';
    c &= 0x7f;
  }
  if (c < 0x20 || c === 0x7f) return `${s}^${String.fromCharCode(c ^ 0x40)}`;
  return s + String.fromCharCode(c);
}

function text(b: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : printable(c);
  }
  return s;
}

/** A walk over one DNS message as tcpdump's domain_print makes it (print-domain.c). */
class DnsWalk {
  out = '';
  constructor(
    readonly b: Uint8Array,
    /** Start of the DNS header (compression pointers are relative to it). */
    readonly base: number,
    /** End of the captured bytes. */
    readonly end: number,
    readonly verbose: number,
  ) {}

  need(at: number, n: number): void {
    if (at + n > this.end) throw TRUNCATED;
  }

  /** Prints a name, returns where the name ends in place. */
  name(at: number): number {
    // tcpdump's fqdn_print: "." only for a name that is the root itself; pointers must go
    // backwards (else <BAD PTR>, and the message ends); an unknown extended label ends it too.
    const b = this.b;
    this.need(at, 1);
    let len = b[at]!;
    if (len === 0) {
      this.out += '.';
      return at + 1;
    }
    let p = at;
    let after = -1;
    let maxOffset = at - this.base;
    while (len !== 0 && p < this.end) {
      if ((len & 0xc0) === 0xc0) {
        this.need(p, 2);
        if (after < 0) after = p + 2;
        const offset = u16(b, p) & 0x3fff;
        if (offset >= maxOffset) {
          this.out += '<BAD PTR>';
          throw TRUNCATED;
        }
        maxOffset = offset;
        p = this.base + offset;
        this.need(p, 1);
        len = b[p]!;
        continue;
      }
      if ((len & 0xc0) === 0x40) {
        this.out += `<ELT ${len & 0x3f}>`;
        throw TRUNCATED;
      }
      if ((len & 0xc0) === 0x80) {
        this.out += '<BAD LABEL TYPE>';
        throw TRUNCATED;
      }
      this.need(p + 1, len);
      this.out += `${text(b, p + 1, len)}.`;
      p += 1 + len;
      this.need(p, 1);
      len = b[p]!;
    }
    return after < 0 ? p + 1 : after;
  }

  /** Skips a name without printing it. */
  skipName(at: number): number {
    let p = at;
    for (;;) {
      this.need(p, 1);
      const len = this.b[p]!;
      if ((len & 0xc0) === 0xc0) {
        this.need(p, 2);
        return p + 2;
      }
      if (len === 0) return p + 1;
      if ((len & 0xc0) === 0x40) throw TRUNCATED;
      p += 1 + len;
    }
  }

  /**
   * `count` records as tcpdump prints a section: the label, the records comma-separated while the
   * captured bytes last, and the truncation mark when some were not reached.
   */
  section(at: number, end: number, count: number, label: string): number {
    let p = at;
    let left = count;
    if (left && (label === '' || p < end)) {
      this.out += label;
      p = this.record(p);
      left--;
      while (p < end && left) {
        this.out += ',';
        p = this.record(p);
        left--;
      }
    }
    if (left) throw TRUNCATED;
    return p;
  }

  /** The OPT record's extended RCODE bits, found as tcpdump finds them (0 when absent or cut). */
  extendedRcode(at: number, end: number, questions: number, records: number, additionals: number): number {
    try {
      let p = at;
      for (let i = 0; i < questions; i++) {
        p = this.skipName(p) + 4;
        if (p >= end) return 0;
      }
      for (let i = 0; i < records; i++) {
        p = this.skipName(p) + 8;
        if (p + 2 > end) return 0;
        p += u16(this.b, p) + 2;
        if (p >= end) return 0;
      }
      for (let i = 0; i < additionals; i++) {
        p = this.skipName(p);
        if (p + 2 > end) return 0;
        const type = u16(this.b, p);
        p += 4;
        if (p + 1 > end) return 0;
        if (type === 41) return this.b[p]!;
        p += 4;
        if (p + 2 > end) return 0;
        p += u16(this.b, p) + 2;
        if (p >= end) return 0;
      }
    } catch {
      // A name past the captured bytes: no extended RCODE, as in tcpdump.
    }
    return 0;
  }

  question(at: number): number {
    const afterName = this.skipName(at);
    this.need(afterName, 4);
    const type = u16(this.b, afterName);
    const klass = u16(this.b, afterName + 2);
    this.out += ` ${DNS_TYPE[type] ?? `Type${type}`}`;
    if (klass !== 1) this.out += ` ${DNS_CLASS[klass] ?? `(Class ${klass})`}`;
    this.out += '? ';
    this.name(at);
    return afterName + 4;
  }

  record(at: number): number {
    let p = at;
    if (this.verbose) {
      this.out += ' ';
      p = this.name(p);
      if (p + 10 > this.end) return this.end;
    } else {
      // tcpdump's ns_rprint: a name or fixed part past the captured bytes ends the section quietly.
      try {
        p = this.skipName(p);
      } catch {
        return this.end;
      }
      if (p + 10 > this.end) return this.end;
    }
    this.need(p, 10);
    const type = u16(this.b, p);
    const klass = u16(this.b, p + 2);
    const ttl = u32(this.b, p + 4);
    const len = u16(this.b, p + 8);
    const rd = p + 10;
    const rp = rd + len;
    if (type !== 41 && klass !== 1) this.out += ` ${DNS_CLASS[klass] ?? `(Class ${klass})`}`;
    if (type !== 41 && this.verbose > 2) this.out += ` [${relativeTime(ttl)}]`;
    this.out += ` ${DNS_TYPE[type] ?? `Type${type}`}`;
    if (rp > this.end) throw TRUNCATED;
    const b = this.b;
    switch (type) {
      case 1:
        this.need(rd, 4);
        this.out += ` ${formatIpv4(b, rd)}`;
        break;
      case 28:
        this.need(rd, 16);
        this.out += ` ${formatIpv6(b, rd)}`;
        break;
      case 2:
      case 5:
      case 12:
      case 39:
        this.out += ' ';
        this.name(rd);
        break;
      case 15:
        this.out += ' ';
        this.name(rd + 2);
        this.out += ` ${u16(b, rd)}`;
        break;
      case 33:
        this.out += ' ';
        this.name(rd + 6);
        this.out += `:${u16(b, rd + 4)} ${u16(b, rd)} ${u16(b, rd + 2)}`;
        break;
      case 6: {
        if (!this.verbose) break;
        this.out += ' ';
        let q = this.name(rd);
        this.out += ' ';
        q = this.name(q);
        this.need(q, 20);
        for (let i = 0; i < 5; i++) this.out += ` ${u32(b, q + 4 * i)}`;
        break;
      }
      case 16: {
        for (let q = rd; q < rp; ) {
          this.need(q, 1);
          const n = b[q]!;
          if (q + 1 + n > this.end) {
            // tcpdump prints what was captured of the string, then its mark.
            this.out += ` "${text(b, q + 1, this.end - q - 1)}`;
            throw TRUNCATED;
          }
          this.out += ` "${text(b, q + 1, n)}"`;
          q += 1 + n;
        }
        break;
      }
      case 41: {
        this.out += ` UDPsize=${klass}`;
        if (ttl & 0x8000) this.out += ' DO';
        if (rd < rp) {
          this.out += ' [';
          for (let q = rd; q < rp; ) {
            this.need(q, 4);
            const code = u16(b, q);
            const n = u16(b, q + 2);
            this.need(q + 4, n);
            this.out += EDNS_OPTION[code] ?? `Opt${code}`;
            if (n > 0) this.out += ` ${ednsOption(b, code, q + 4, n)}`;
            q += 4 + n;
            if (q < rp) this.out += ',';
          }
          this.out += ']';
        }
        break;
      }
      default:
        break;
    }
    return rp;
  }
}

function ednsOption(b: Uint8Array, code: number, at: number, n: number): string {
  if (code === 10 && (n === 8 || (n >= 16 && n <= 40))) {
    let s = '';
    for (let i = 0; i < 8; i++) s += HEX2[b[at + i]!];
    if (n > 8) {
      s += ' ';
      for (let i = 8; i < n; i++) s += HEX2[b[at + i]!];
    }
    return s;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += HEX2[b[at + i]!];
  return s;
}

const UNITS: readonly [number, string][] = [
  [31536000, 'y'],
  [604800, 'w'],
  [86400, 'd'],
  [3600, 'h'],
  [60, 'm'],
  [1, 's'],
];

/** tcpdump's unsigned_relts_print: 300 → 5m, 3700 → 1h1m40s. */
export function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  let s = '';
  for (const [unit, name] of UNITS) {
    if (secs >= unit) {
      s += `${Math.floor(secs / unit)}${name}`;
      secs %= unit;
    }
  }
  return s;
}

/**
 * One DNS message as tcpdump prints it after the transport's part of the line. `at` is where the
 * message starts (the 2-byte length prefix over TCP), `length` the transport's payload length,
 * `end` the end of the captured bytes.
 */
export function dnsText(
  b: Uint8Array,
  at: number,
  end: number,
  length: number,
  overTcp: boolean,
  verbose: number,
): string {
  let prefix = '';
  let start = at;
  let len = length;
  if (overTcp) {
    if (len < 2) return ` [DNS over TCP: length ${len} < 2] (invalid)`;
    if (end - at < 2) return ' [|domain]';
    len -= 2;
    const declared = u16(b, at);
    if (declared !== len) return ` [prefix length(${declared}) != length(${len})] (invalid)`;
    start += 2;
    prefix = ' ';
  }
  if (len < 12) return `${prefix}domain [length ${len} < 12] (invalid)`;
  const w = new DnsWalk(b, start, end, verbose);
  w.out = prefix;
  try {
    w.need(start, 12);
    const id = u16(b, start);
    const flags = u16(b, start + 2);
    const qd = u16(b, start + 4);
    const an = u16(b, start + 6);
    const ns = u16(b, start + 8);
    const ar = u16(b, start + 10);
    const opcode = (flags >> 11) & 0xf;
    let p = start + 12;
    if (flags & 0x8000) {
      const rcode = (flags & 0xf) | (w.extendedRcode(start + 12, end, qd, an + ns, ar) << 4);
      w.out += `${id}${DNS_OPCODE[opcode]}${DNS_RCODE[rcode] ?? ` Resp${rcode & 0xfff}`}${flags & 0x400 ? '*' : ''}${flags & 0x80 ? '' : '-'}${flags & 0x200 ? '|' : ''}${flags & 0x20 ? '$' : ''}`;
      if (qd !== 1) w.out += ` [${qd}q]`;
      for (let i = 0; i < qd; i++) {
        if (i !== 0) w.out += ',';
        if (verbose > 1) {
          w.out += ' q:';
          p = w.question(p);
        } else {
          p = w.skipName(p) + 4;
        }
      }
      w.out += ` ${an}/${ns}/${ar}`;
      p = w.section(p, end, an, '');
      if (verbose > 1) {
        p = w.section(p, end, ns, ' ns:');
        p = w.section(p, end, ar, ' ar:');
      }
    } else {
      w.out += `${id}${DNS_OPCODE[opcode]}${flags & 0x100 ? '+' : ''}${flags & 0x10 ? '%' : ''}`;
      if (flags & 0x6cf) w.out += ` [b2&3=0x${flags.toString(16)}]`;
      if (opcode === 1) {
        if (an !== 1) w.out += ` [${an}a]`;
      } else if (an) w.out += ` [${an}a]`;
      if (qd !== 1) w.out += ` [${qd}q]`;
      if (ns) w.out += ` [${ns}n]`;
      if (ar) w.out += ` [${ar}au]`;
      let q = qd;
      if (q) {
        p = w.question(p);
        q--;
        while (p < end && q) {
          p = w.question(p);
          q--;
        }
      }
      if (q) throw TRUNCATED;
      if (verbose > 1) {
        p = w.section(p, end, an, ' an:');
        p = w.section(p, end, ns, ' ns:');
        p = w.section(p, end, ar, ' ar:');
      }
    }
    w.out += ` (${len})`;
  } catch (err) {
    if (err !== TRUNCATED) throw err;
    w.out += ' [|domain]';
  }
  return w.out;
}
