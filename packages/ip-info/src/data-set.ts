import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IpInfoError } from './ip-info-error.js';

/** A data set shipped as an npm package, and where its files are. */
export interface DataSet {
  readonly package: string;
  readonly version: string;
  /** The day the data was built (ip-location-db versions end in YYYYMMDDHH). */
  readonly date: string | null;
  /** The licence and the attribution it asks for. */
  readonly licence: string;
  readonly directory: string;
}

export const ASN_DATA_PACKAGE = '@ip-location-db/asn';
export const COUNTRY_DATA_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';

/** The packages' own licence fields point at files; these say it in a line, with the credit due. */
const LICENCES: Record<string, string> = {
  [ASN_DATA_PACKAGE]: 'CC BY 4.0, data by RouteViews (routeviews.org) and DB-IP (db-ip.com)',
  [COUNTRY_DATA_PACKAGE]: 'CC0 1.0, from RIR data by the NRO (nro.net, CC BY 4.0)',
};

/** Reads the package's package.json only: no data file is opened. */
export function dataSet(name: string): DataSet {
  let manifest: string;
  try {
    manifest = process
      .getBuiltinModule('node:module')
      .createRequire(import.meta.url)
      .resolve(`${name}/package.json`);
  } catch {
    throw new IpInfoError('NO_DATA_SET', name, `the data set ${name} is not installed (npm install ${name})`);
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown; license?: unknown };
  const version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  const m = /\.(\d{4})(\d{2})(\d{2})\d{2}$/.exec(version);
  return {
    package: name,
    version,
    date: m ? `${m[1]}-${m[2]}-${m[3]}` : null,
    licence: LICENCES[name] ?? (typeof pkg.license === 'string' ? pkg.license : 'unknown'),
    directory: dirname(manifest),
  };
}

/** The shipped data sets, for `--version` and the package's users. */
export function shippedDataSets(): DataSet[] {
  return [dataSet(ASN_DATA_PACKAGE), dataSet(COUNTRY_DATA_PACKAGE)];
}
