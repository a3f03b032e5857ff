/** Who holds an address: its origin AS and that network's name. */
export interface AsnRecord {
  readonly asn: number;
  /** The network's name as the data set gives it, control characters removed; null if none. */
  readonly name: string | null;
}

/** Control characters out: a name from a data file reaches a terminal as untrusted text. */
export function cleanText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * An AS from an MMDB record, in the layouts in use: MaxMind GeoLite2-ASN, DB-IP ASN Lite and
 * ip-location-db (`autonomous_system_number`, `autonomous_system_organization`), and IPinfo's
 * (`asn: "AS15169"`, `as_name`).
 */
export function asnFromRecord(record: unknown): AsnRecord | undefined {
  if (!isObject(record)) return undefined;
  let asn: number | undefined;
  const n = record.autonomous_system_number;
  if (typeof n === 'number') asn = n;
  else if (typeof n === 'string' && /^\d+$/.test(n)) asn = Number(n);
  else if (typeof record.asn === 'string' && /^AS\d+$/i.test(record.asn)) asn = Number(record.asn.slice(2));
  else if (typeof record.asn === 'number') asn = record.asn;
  if (asn === undefined || !Number.isInteger(asn) || asn < 0 || asn > 0xffff_ffff) return undefined;
  const rawName = record.autonomous_system_organization ?? record.as_name;
  const name = typeof rawName === 'string' ? cleanText(rawName) : '';
  return { asn, name: name === '' ? null : name };
}

/**
 * A two-letter country code from an MMDB record: GeoLite2/GeoIP2 Country and City and DB-IP
 * (`country.iso_code`, else `registered_country.iso_code`), ip-location-db and IPinfo
 * (`country_code`).
 */
export function countryFromRecord(record: unknown): string | undefined {
  if (!isObject(record)) return undefined;
  const candidates = [
    isObject(record.country) ? record.country.iso_code : undefined,
    isObject(record.registered_country) ? record.registered_country.iso_code : undefined,
    record.country_code,
  ];
  for (const c of candidates) if (typeof c === 'string' && /^[A-Za-z]{2}$/.test(c)) return c.toUpperCase();
  return undefined;
}
