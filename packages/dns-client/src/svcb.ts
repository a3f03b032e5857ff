import ipaddr from 'ipaddr.js';
import { DnsError } from './errors.js';
import { decodeWireName, encodeWireName } from './wire-name.js';

/**
 * SVCB and HTTPS records (RFC 9460), which dns-packet does not know: it hands us their RDATA
 * as bytes and this codec does the rest. Pure functions over bytes, checked by law tests.
 */

export type SvcParam =
  | { readonly key: 'mandatory'; readonly keys: readonly number[] }
  | { readonly key: 'alpn'; readonly protocols: readonly Uint8Array[] }
  | { readonly key: 'no-default-alpn' }
  | { readonly key: 'port'; readonly port: number }
  | { readonly key: 'ipv4hint'; readonly addresses: readonly string[] }
  | { readonly key: 'ech'; readonly config: Uint8Array }
  | { readonly key: 'ipv6hint'; readonly addresses: readonly string[] }
  | { readonly key: 'dohpath'; readonly template: Uint8Array }
  /** A key this codec has no syntax for: kept as bytes, printed as `keyNNNNN="..."`. */
  | { readonly key: 'unknown'; readonly code: number; readonly value: Uint8Array };

export interface SvcbData {
  /** 0 is AliasMode (then `target` names the alias); 1 and above ServiceMode. */
  readonly priority: number;
  /** Presentation form with trailing dot; `.` means "the owner name" in ServiceMode. */
  readonly target: string;
  readonly params: readonly SvcParam[];
}

const KEY_CODES = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
} as const;
const KEY_NAMES = Object.fromEntries(Object.entries(KEY_CODES).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

export function svcParamCode(p: SvcParam): number {
  return p.key === 'unknown' ? p.code : KEY_CODES[p.key];
}

export function svcKeyName(code: number): string {
  return KEY_NAMES[code] ?? `key${code}`;
}

function bad(why: string): DnsError {
  return new DnsError('MALFORMED', `SVCB: ${why}`);
}

function decodeParam(code: number, v: Uint8Array): SvcParam {
  switch (code) {
    case 0: {
      if (v.length === 0 || v.length % 2) throw bad('mandatory list must be a non-empty list of keys');
      const keys: number[] = [];
      for (let i = 0; i < v.length; i += 2) {
        const k = (v[i]! << 8) | v[i + 1]!;
        if (k === 0) throw bad('mandatory may not list itself');
        if (keys.length && k <= keys[keys.length - 1]!) throw bad('mandatory keys not in increasing order');
        keys.push(k);
      }
      return { key: 'mandatory', keys };
    }
    case 1: {
      if (v.length === 0) throw bad('empty alpn');
      const protocols: Uint8Array[] = [];
      for (let i = 0; i < v.length; ) {
        const n = v[i++]!;
        if (n === 0 || i + n > v.length) throw bad('bad alpn id length');
        protocols.push(v.slice(i, i + n));
        i += n;
      }
      return { key: 'alpn', protocols };
    }
    case 2:
      if (v.length) throw bad('no-default-alpn takes no value');
      return { key: 'no-default-alpn' };
    case 3:
      if (v.length !== 2) throw bad('port must be 2 bytes');
      return { key: 'port', port: (v[0]! << 8) | v[1]! };
    case 4: {
      if (v.length === 0 || v.length % 4) throw bad('ipv4hint must be a non-empty list of 4-byte addresses');
      const addresses: string[] = [];
      for (let i = 0; i < v.length; i += 4) addresses.push(Array.from(v.subarray(i, i + 4)).join('.'));
      return { key: 'ipv4hint', addresses };
    }
    case 5:
      return { key: 'ech', config: v.slice() };
    case 6: {
      if (v.length === 0 || v.length % 16)
        throw bad('ipv6hint must be a non-empty list of 16-byte addresses');
      const addresses: string[] = [];
      for (let i = 0; i < v.length; i += 16)
        addresses.push(ipaddr.fromByteArray(Array.from(v.subarray(i, i + 16))).toString());
      return { key: 'ipv6hint', addresses };
    }
    case 7:
      if (v.length === 0) throw bad('empty dohpath');
      return { key: 'dohpath', template: v.slice() };
    default:
      if (code === 65535) throw bad('key65535 is reserved');
      return { key: 'unknown', code, value: v.slice() };
  }
}

function encodeParamValue(p: SvcParam): Uint8Array {
  switch (p.key) {
    case 'mandatory': {
      const out = new Uint8Array(p.keys.length * 2);
      p.keys.forEach((k, i) => {
        out[2 * i] = k >> 8;
        out[2 * i + 1] = k & 0xff;
      });
      return out;
    }
    case 'alpn': {
      const out = new Uint8Array(p.protocols.reduce((n, a) => n + a.length + 1, 0));
      let at = 0;
      for (const a of p.protocols) {
        out[at++] = a.length;
        out.set(a, at);
        at += a.length;
      }
      return out;
    }
    case 'no-default-alpn':
      return new Uint8Array(0);
    case 'port':
      return Uint8Array.of(p.port >> 8, p.port & 0xff);
    case 'ipv4hint':
    case 'ipv6hint':
      return Uint8Array.from(p.addresses.flatMap((a) => ipaddr.parse(a).toByteArray()));
    case 'ech':
      return p.config;
    case 'dohpath':
      return p.template;
    case 'unknown':
      return p.value;
  }
}

/** Decodes SVCB/HTTPS RDATA (exactly `rdata`, nothing after it). */
export function decodeSvcb(rdata: Uint8Array): { value: SvcbData; bytesRead: number } {
  if (rdata.length < 3) throw bad('RDATA shorter than priority and target');
  const priority = (rdata[0]! << 8) | rdata[1]!;
  const target = decodeWireName(rdata, 2);
  let at = 2 + target.bytesRead;
  const params: SvcParam[] = [];
  let last = -1;
  while (at < rdata.length) {
    if (at + 4 > rdata.length) throw bad('truncated SvcParam header');
    const code = (rdata[at]! << 8) | rdata[at + 1]!;
    const len = (rdata[at + 2]! << 8) | rdata[at + 3]!;
    at += 4;
    if (code <= last) throw bad('SvcParamKeys not in strictly increasing order');
    if (at + len > rdata.length) throw bad('SvcParamValue runs past the end of RDATA');
    params.push(decodeParam(code, rdata.subarray(at, at + len)));
    at += len;
    last = code;
  }
  if (priority === 0 && params.length) throw bad('AliasMode record with SvcParams');
  return { value: { priority, target: target.value, params }, bytesRead: at };
}

export function encodeSvcb(value: SvcbData): Uint8Array {
  const name = encodeWireName(value.target);
  const parts = [...value.params]
    .sort((a, b) => svcParamCode(a) - svcParamCode(b))
    .map((p) => ({ code: svcParamCode(p), v: encodeParamValue(p) }));
  const out = new Uint8Array(2 + name.length + parts.reduce((n, p) => n + 4 + p.v.length, 0));
  out[0] = value.priority >> 8;
  out[1] = value.priority & 0xff;
  out.set(name, 2);
  let at = 2 + name.length;
  for (const { code, v } of parts) {
    out[at] = code >> 8;
    out[at + 1] = code & 0xff;
    out[at + 2] = v.length >> 8;
    out[at + 3] = v.length & 0xff;
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out;
}

/** Bytes inside a quoted value, with `,` escaped when the value is a list (as dig does). */
function quoted(bytes: Uint8Array, list = false): string {
  let s = '';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x7f) s += `\\${b.toString().padStart(3, '0')}`;
    else if (b === 0x22 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (list && b === 0x2c) s += '\\\\,';
    else s += String.fromCharCode(b);
  }
  return s;
}

export function presentSvcParam(p: SvcParam): string {
  switch (p.key) {
    case 'mandatory':
      return `mandatory=${p.keys.map(svcKeyName).join(',')}`;
    case 'alpn':
      return `alpn="${p.protocols.map((a) => quoted(a, true)).join(',')}"`;
    case 'no-default-alpn':
      return 'no-default-alpn';
    case 'port':
      return `port=${p.port}`;
    case 'ipv4hint':
    case 'ipv6hint':
      return `${p.key}=${p.addresses.join(',')}`;
    case 'ech':
      return `ech=${Buffer.from(p.config).toString('base64')}`;
    case 'dohpath':
      return `dohpath="${quoted(p.template)}"`;
    case 'unknown':
      return p.value.length ? `key${p.code}="${quoted(p.value)}"` : `key${p.code}`;
  }
}

/** Presentation format of the RDATA, as dig prints it. */
export function presentSvcb(v: SvcbData): string {
  return [String(v.priority), v.target, ...v.params.map(presentSvcParam)].join(' ');
}
