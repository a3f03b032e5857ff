/**
 * Record type mnemonics and codes. Those netdiag models as typed records are listed in
 * `RECORD_TYPES`; any other type still travels (queried as `TYPE1234`, answered as raw RDATA).
 */
export const RECORD_TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  SVCB: 64,
  HTTPS: 65,
  ANY: 255,
  CAA: 257,
} as const;

export type RecordTypeName = Exclude<keyof typeof RECORD_TYPES, 'OPT'>;

/** Names dig knows that we do not model, so NSEC type bitmaps print as dig prints them. */
const OTHER_NAMES: Record<number, string> = {
  13: 'HINFO',
  17: 'RP',
  35: 'NAPTR',
  44: 'SSHFP',
  50: 'NSEC3',
  51: 'NSEC3PARAM',
  52: 'TLSA',
  59: 'CDS',
  60: 'CDNSKEY',
  61: 'OPENPGPKEY',
  62: 'CSYNC',
  63: 'ZONEMD',
  99: 'SPF',
  252: 'AXFR',
  251: 'IXFR',
};

const BY_CODE = new Map<number, string>([
  ...Object.entries(RECORD_TYPES).map(([k, v]) => [v, k] as [number, string]),
  ...Object.entries(OTHER_NAMES).map(([k, v]) => [Number(k), v] as [number, string]),
]);
const BY_NAME = new Map<string, number>([...BY_CODE].map(([k, v]) => [v, k]));

/** `TYPE65` style (RFC 3597) for codes without a mnemonic. */
export function typeName(code: number): string {
  return BY_CODE.get(code) ?? `TYPE${code}`;
}

/** Parses a type mnemonic or `TYPEnnn`; undefined when it is neither. */
export function typeCode(name: string): number | undefined {
  const up = name.toUpperCase();
  const known = BY_NAME.get(up);
  if (known !== undefined) return known;
  const m = /^TYPE(\d{1,5})$/.exec(up);
  if (m) {
    const n = Number(m[1]);
    if (n <= 0xffff) return n;
  }
  return undefined;
}

export function isModelledType(name: string): name is RecordTypeName {
  return name in RECORD_TYPES && name !== 'OPT';
}

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADVERS',
  23: 'BADCOOKIE',
};

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE${code}`;
}
