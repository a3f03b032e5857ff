import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixWithin } from './address.js';
import { asnFromRecord, cleanText, countryFromRecord } from './records.js';

describe('MMDB record layouts', () => {
  it('reads AS records as MaxMind, DB-IP, ip-location-db and IPinfo write them', () => {
    expect(
      asnFromRecord({ autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' }),
    ).toEqual({
      asn: 15169,
      name: 'GOOGLE',
    });
    expect(asnFromRecord({ asn: 'AS13335', as_name: 'Cloudflare, Inc.', country_code: 'US' })).toEqual({
      asn: 13335,
      name: 'Cloudflare, Inc.',
    });
    expect(asnFromRecord({ autonomous_system_number: 64500 })).toEqual({ asn: 64500, name: null });
    expect(asnFromRecord({ country_code: 'US' })).toBeUndefined();
    expect(asnFromRecord(null)).toBeUndefined();
    expect(asnFromRecord({ autonomous_system_number: -1 })).toBeUndefined();
  });

  it('reads countries as MaxMind, DB-IP, ip-location-db and IPinfo write them', () => {
    expect(countryFromRecord({ country: { iso_code: 'DE', names: { en: 'Germany' } } })).toBe('DE');
    expect(countryFromRecord({ registered_country: { iso_code: 'NL' } })).toBe('NL');
    expect(countryFromRecord({ country_code: 'us' })).toBe('US');
    expect(countryFromRecord({ country_code: 'USA' })).toBeUndefined();
    expect(countryFromRecord({ autonomous_system_number: 1 })).toBeUndefined();
  });

  it('strips control characters from names', () => {
    expect(
      asnFromRecord({
        autonomous_system_number: 1,
        autonomous_system_organization: 'Evil\u001b[2J\u0007 Net\n',
      }),
    ).toEqual({ asn: 1, name: 'Evil [2J Net' });
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(cleanText(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }),
    );
  });
});

describe('prefixWithin', () => {
  it('gives the largest block of the range that holds the address', () => {
    expect(prefixWithin(4, 0x01000400n, 0x01000400n, 0x010007ffn)).toBe('1.0.4.0/22');
    // 1.0.4.0 - 1.0.8.255 is no one prefix: 1.0.8.1 lies in its /24 part.
    expect(prefixWithin(4, 0x01000801n, 0x01000400n, 0x010008ffn)).toBe('1.0.8.0/24');
    expect(prefixWithin(6, 1n, 0n, 1n)).toBe('::/127');
  });
});
