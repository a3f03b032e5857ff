import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type NumericAddress, parseAddress, prefixOf, prefixWithin } from './address.js';
import { type ByteSource, fileSource, findRange } from './csv-ranges.js';
import { ASN_DATA_PACKAGE, COUNTRY_DATA_PACKAGE, dataSet } from './data-set.js';
import { IpInfoError } from './ip-info-error.js';
import { type AsnRecord, asnFromRecord, cleanText, countryFromRecord } from './records.js';

export interface AsnAnswer extends AsnRecord {
  /** The block the answer holds for (CIDR). */
  readonly prefix: string;
}

export interface CountryAnswer {
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly prefix: string;
}

export interface IpInfoOptions {
  /** Open the AS data (default true). */
  readonly asn?: boolean;
  /** Open the country data (default false). */
  readonly country?: boolean;
  /** An MMDB with AS records (GeoLite2-ASN, DB-IP ASN Lite, ip-location-db, IPinfo) in place of the shipped data. */
  readonly asnDb?: string;
  /** An MMDB with countries (GeoLite2-Country or -City, DB-IP, ip-location-db, IPinfo) in place of the shipped data. */
  readonly geoDb?: string;
}

/** Where answers come from: shown by `--version` and documented in the JSON. */
export interface SourceInfo {
  readonly kind: 'shipped' | 'file';
  /** The package (shipped) or the file's path. */
  readonly name: string;
  /** The package's version, or the MMDB's database type. */
  readonly version: string;
  /** The data's date: the package's build day, or the MMDB's build time. */
  readonly date: string | null;
}

export interface IpInfo {
  /** The origin AS of `address`; undefined where the data says nothing, or the AS data is not open. */
  asn(address: string): AsnAnswer | undefined;
  /** The country of `address`; undefined where the data says nothing, or the country data is not open. */
  country(address: string): CountryAnswer | undefined;
  readonly sources: { readonly asn?: SourceInfo; readonly country?: SourceInfo };
  close(): void;
}

type Lookup<T> = (a: NumericAddress) => T | undefined;

interface MmdbReader {
  getWithPrefixLength(address: string): [unknown, number];
  readonly metadata: { readonly databaseType: string; readonly buildEpoch: Date };
}

async function openMmdb(path: string, want: 'asn' | 'country'): Promise<MmdbReader> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new IpInfoError('UNREADABLE', path, `cannot read ${path} (${code})`);
  }
  const { Reader } = await import('mmdb-lib');
  let reader: MmdbReader;
  try {
    reader = new Reader(bytes);
  } catch {
    throw new IpInfoError('NOT_MMDB', path, `${path} is not a MaxMind DB (MMDB) file`);
  }
  // A country file given for AS numbers (or the reverse) would leave every hop blank: say so.
  const type = reader.metadata.databaseType;
  const asnType = /asn|isp|as-?name/i.test(type);
  const countryType = /country|city|location/i.test(type);
  if (want === 'asn' && countryType && !asnType)
    throw new IpInfoError('WRONG_KIND', path, `${path} holds countries (${cleanText(type)}), not AS numbers`);
  if (want === 'country' && asnType && !countryType)
    throw new IpInfoError('WRONG_KIND', path, `${path} holds AS numbers (${cleanText(type)}), not countries`);
  return reader;
}

function mmdbLookup<T>(
  reader: MmdbReader,
  pick: (record: unknown) => T | undefined,
): Lookup<T & { prefix: string }> {
  return (a) => {
    const [record, length] = reader.getWithPrefixLength(a.text);
    const found = pick(record);
    return found === undefined ? undefined : { ...found, prefix: prefixOf(a.family, a.value, length) };
  };
}

const fileSourceInfo = (path: string, reader: MmdbReader): SourceInfo => ({
  kind: 'file',
  name: path,
  version: cleanText(reader.metadata.databaseType),
  date: reader.metadata.buildEpoch.toISOString().slice(0, 10),
});

/**
 * The shipped AS data: ip-location-db's RouteViews/RIR/DB-IP merge as sorted numeric CSV, one
 * file per family, searched in place. Only global unicast addresses are looked up: the data set
 * has stray entries for documentation ranges, and no AS owns a private address.
 */
function shippedAsn(): { lookup: Lookup<AsnAnswer>; info: SourceInfo; close(): void } {
  const set = dataSet(ASN_DATA_PACKAGE);
  // Opened now (nothing is read until a look-up): a file missing is an error here, not mid-trace.
  const open = (family: 4 | 6) => {
    const path = join(set.directory, `asn-ipv${family}-num.csv`);
    try {
      return fileSource(path);
    } catch (err) {
      throw new IpInfoError(
        'UNREADABLE',
        path,
        `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const v4 = open(4);
  let v6: ReturnType<typeof open>;
  try {
    v6 = open(6);
  } catch (err) {
    v4.close();
    throw err;
  }
  const files: Record<4 | 6, ByteSource & { close(): void }> = { 4: v4, 6: v6 };
  return {
    info: { kind: 'shipped', name: set.package, version: set.version, date: set.date },
    lookup: (a) => {
      if (!a.global) return undefined;
      const range = findRange(files[a.family], a.value);
      if (range === undefined) return undefined;
      const [asnText, rawName] = range.fields;
      if (asnText === undefined || !/^\d+$/.test(asnText)) return undefined;
      const name = rawName === undefined ? '' : cleanText(rawName);
      return {
        asn: Number(asnText),
        name: name === '' ? null : name,
        prefix: prefixWithin(a.family, a.value, range.start, range.end),
      };
    },
    close: () => {
      files[4].close();
      files[6].close();
    },
  };
}

async function shippedCountry(): Promise<{ lookup: Lookup<CountryAnswer>; info: SourceInfo }> {
  const set = dataSet(COUNTRY_DATA_PACKAGE);
  const reader = await openMmdb(join(set.directory, 'geo-whois-asn-country.mmdb'), 'country');
  const inner = mmdbLookup(reader, (r) => {
    const country = countryFromRecord(r);
    return country === undefined ? undefined : { country };
  });
  return {
    info: { kind: 'shipped', name: set.package, version: set.version, date: set.date },
    lookup: (a) => (a.global ? inner(a) : undefined),
  };
}

/** Answers kept per address: a trace asks for the same hops every round. */
const CACHE_LIMIT = 4096;

function cached<T>(lookup: Lookup<T>): (address: string) => T | undefined {
  const cache = new Map<string, T | null>();
  return (address) => {
    const hit = cache.get(address);
    if (hit !== undefined) return hit ?? undefined;
    const a = parseAddress(address);
    const answer = a === undefined ? undefined : lookup(a);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(address, answer ?? null);
    return answer;
  };
}

/**
 * Opens the data asked for: the user's MMDB files where given, else the shipped data sets.
 * Nothing here makes a network request. Files are read asynchronously; look-ups afterwards are
 * synchronous and cheap (an MMDB tree walk in memory, or a binary search of the CSV by pread).
 */
export async function openIpInfo(options: IpInfoOptions = {}): Promise<IpInfo> {
  const wantAsn = options.asn ?? true;
  const wantCountry = options.country ?? false;
  const sources: { asn?: SourceInfo; country?: SourceInfo } = {};
  let asnLookup: Lookup<AsnAnswer> | undefined;
  let countryLookup: Lookup<CountryAnswer> | undefined;
  let close = () => {};
  const [asnReader, countryReader] = await Promise.all([
    wantAsn && options.asnDb !== undefined ? openMmdb(options.asnDb, 'asn') : undefined,
    wantCountry && options.geoDb !== undefined ? openMmdb(options.geoDb, 'country') : undefined,
  ]);
  if (wantAsn) {
    if (asnReader && options.asnDb !== undefined) {
      asnLookup = mmdbLookup(asnReader, asnFromRecord);
      sources.asn = fileSourceInfo(options.asnDb, asnReader);
    } else {
      const shipped = shippedAsn();
      asnLookup = shipped.lookup;
      sources.asn = shipped.info;
      close = shipped.close;
    }
  }
  if (wantCountry) {
    if (countryReader && options.geoDb !== undefined) {
      countryLookup = mmdbLookup(countryReader, (r) => {
        const country = countryFromRecord(r);
        return country === undefined ? undefined : { country };
      });
      sources.country = fileSourceInfo(options.geoDb, countryReader);
    } else {
      const shipped = await shippedCountry();
      countryLookup = shipped.lookup;
      sources.country = shipped.info;
    }
  }
  return {
    asn: asnLookup ? cached(asnLookup) : () => undefined,
    country: countryLookup ? cached(countryLookup) : () => undefined,
    sources,
    close,
  };
}
