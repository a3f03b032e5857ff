export { addressText, type NumericAddress, parseAddress, prefixWithin } from './address.js';
export { type ByteSource, bufferSource, type CsvRange, findRange, parseCsvLine } from './csv-ranges.js';
export {
  ASN_DATA_PACKAGE,
  COUNTRY_DATA_PACKAGE,
  type DataSet,
  dataSet,
  shippedDataSets,
} from './data-set.js';
export {
  type AsnAnswer,
  type CountryAnswer,
  type IpInfo,
  type IpInfoOptions,
  openIpInfo,
  type SourceInfo,
} from './ip-info.js';
export { IpInfoError, type IpInfoErrorCode } from './ip-info-error.js';
export { type AsnRecord, asnFromRecord, cleanText, countryFromRecord } from './records.js';
