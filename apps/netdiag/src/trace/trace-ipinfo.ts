import type { AsnAnswer, CountryAnswer, IpInfo, SourceInfo } from '@netdiag/ip-info';
import { CliError, ExitCode, UsageError } from '../cli-error.js';

// Who owns each hop (mtr -z and -y), from offline data: never a network request.

/** The flags, for trace's parseArgs options. */
export const ipInfoArgs = {
  aslookup: { type: 'boolean', short: 'z' },
  ipinfo: { type: 'string', short: 'y' },
  'asn-db': { type: 'string' },
  'geo-db': { type: 'string' },
} as const;

export const IPINFO_HELP = `  -z            each hop's AS number and network name before it (as mtr -z), from data
                shipped with netdiag: no request leaves the machine
  -y N          the hop field shown (as mtr --ipinfo): 0 AS (as -z), 1 prefix, 2 country
  --asn-db FILE AS numbers from this MMDB (GeoLite2-ASN, DB-IP, ip-location-db) in place of
                the shipped data (implies -z)
  --geo-db FILE countries from this MMDB (GeoLite2-Country or -City, DB-IP, ip-location-db)
                in place of the shipped data (implies -y 2)`;

/** mtr's --ipinfo fields, by number. Registry and allocation date are in no offline data set. */
const FIELDS = ['asn', 'prefix', 'country', 'registry', 'allocated'] as const;
export type IpInfoField = 'asn' | 'prefix' | 'country';

export interface IpInfoChoice {
  readonly field: IpInfoField;
  readonly asnDb?: string;
  readonly geoDb?: string;
}

interface IpInfoValues {
  aslookup?: boolean;
  ipinfo?: string;
  'asn-db'?: string;
  'geo-db'?: string;
}

/** What -z, -y, --asn-db and --geo-db ask for; undefined when no column is. */
export function ipInfoChoice(v: IpInfoValues): IpInfoChoice | undefined {
  let field: IpInfoField | undefined;
  if (v.ipinfo !== undefined) {
    const n = /^[0-9]$/.test(v.ipinfo) ? Number(v.ipinfo) : -1;
    const name = FIELDS[n];
    if (name === undefined)
      throw new UsageError(`trace: -y takes 0 (AS), 1 (prefix) or 2 (country), not '${v.ipinfo}'`);
    if (name === 'registry' || name === 'allocated')
      throw new CliError(
        `trace: -y ${n} (${name === 'registry' ? 'registry' : 'allocation date'}) is in no offline data set; -y takes 0 (AS), 1 (prefix) or 2 (country)`,
        ExitCode.Error,
      );
    field = name;
  } else if (v.aslookup || v['asn-db'] !== undefined) field = 'asn';
  else if (v['geo-db'] !== undefined) field = 'country';
  if (field === undefined) return undefined;
  return {
    field,
    ...(v['asn-db'] !== undefined && { asnDb: v['asn-db'] }),
    ...(v['geo-db'] !== undefined && { geoDb: v['geo-db'] }),
  };
}

/** A hop's owner as the outputs show it. */
export interface HopInfo {
  readonly field: IpInfoField;
  /** The column's text: `AS15169 Google LLC`, `8.8.8.0/24`, `US`; `AS???`, `???`, `??` where the data says nothing. */
  text(address: string): string;
  /** The JSON fields for a responder: `asn` and/or `country`, null where the data says nothing. */
  json(address: string): { asn?: AsnJson | null; country?: CountryJson | null };
  readonly csvHeader: string;
  csvFields(address: string | undefined): (string | number | null)[];
  readonly sources: { readonly asn?: SourceInfo; readonly country?: SourceInfo };
}

export interface AsnJson {
  readonly number: number;
  readonly name: string | null;
  readonly prefix: string;
}
export interface CountryJson {
  readonly code: string;
  readonly prefix: string;
}

const asnJson = (a: AsnAnswer | undefined): AsnJson | null =>
  a ? { number: a.asn, name: a.name, prefix: a.prefix } : null;
const countryJson = (c: CountryAnswer | undefined): CountryJson | null =>
  c ? { code: c.country, prefix: c.prefix } : null;

export function hopInfo(field: IpInfoField, info: IpInfo): HopInfo {
  const withAsn = field !== 'country';
  return {
    field,
    text(address) {
      if (field === 'country') return info.country(address)?.country ?? '??';
      const a = info.asn(address);
      if (field === 'prefix') return a?.prefix ?? '???';
      return a ? `AS${a.asn}${a.name ? ` ${a.name}` : ''}` : 'AS???';
    },
    json: (address) =>
      withAsn ? { asn: asnJson(info.asn(address)) } : { country: countryJson(info.country(address)) },
    csvHeader: withAsn ? 'asn,as_name,prefix' : 'country,prefix',
    csvFields(address) {
      if (address === undefined) return withAsn ? [null, null, null] : [null, null];
      if (withAsn) {
        const a = info.asn(address);
        return [a?.asn ?? null, a?.name ?? null, a?.prefix ?? null];
      }
      const c = info.country(address);
      return [c?.country ?? null, c?.prefix ?? null];
    },
    sources: info.sources,
  };
}

/** Opens the data the field needs: a file that will not do is one line and exit 2. */
export async function openHopInfo(choice: IpInfoChoice): Promise<HopInfo> {
  const { IpInfoError, openIpInfo } = await import('@netdiag/ip-info');
  try {
    const info = await openIpInfo({
      asn: choice.field !== 'country',
      country: choice.field === 'country',
      ...(choice.asnDb !== undefined && { asnDb: choice.asnDb }),
      ...(choice.geoDb !== undefined && { geoDb: choice.geoDb }),
    });
    return hopInfo(choice.field, info);
  } catch (err) {
    if (err instanceof IpInfoError)
      throw new CliError(`trace: ${err.message}`, ExitCode.Error, { cause: err });
    throw err;
  }
}

/** The owner fields the live table's y key steps through, as mtr's does; undefined: the column off. */
const CYCLE: readonly (IpInfoField | undefined)[] = [undefined, 'asn', 'prefix', 'country'];

/**
 * The live table's y key: each call moves to the next field and resolves to its HopInfo (or
 * undefined, the column off). A field's data is opened the first time it is shown, never at
 * start-up; one that cannot be opened shows as no column.
 */
export function infoCycle(
  choice: IpInfoChoice | undefined,
  first: HopInfo | undefined,
  open: (choice: IpInfoChoice) => Promise<HopInfo> = openHopInfo,
): () => Promise<HopInfo | undefined> {
  const opened = new Map<IpInfoField, Promise<HopInfo | undefined>>();
  if (first) opened.set(first.field, Promise.resolve(first));
  let at = CYCLE.indexOf(first?.field);
  return () => {
    at = (at + 1) % CYCLE.length;
    const field = CYCLE[at];
    if (field === undefined) return Promise.resolve(undefined);
    let info = opened.get(field);
    if (info === undefined) {
      info = open({ ...choice, field }).catch(() => undefined);
      opened.set(field, info);
    }
    return info;
  };
}
