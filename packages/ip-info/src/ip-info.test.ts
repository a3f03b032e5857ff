import { describe, expect, it } from 'vitest';
import { openIpInfo, shippedDataSets } from './index.js';

// Look-ups in the shipped data set only: no packet is sent. These networks have been announced
// by the same AS for a decade; the names are the registry's.
describe('the shipped data set', async () => {
  const info = await openIpInfo({ asn: true, country: true });

  it.each([
    ['8.8.8.8', 15169, /google/i],
    ['8.8.4.4', 15169, /google/i],
    ['1.1.1.1', 13335, /cloudflare/i],
    ['9.9.9.9', 19281, /quad9/i],
    ['2001:4860:4860::8888', 15169, /google/i],
    ['2606:4700:4700::1111', 13335, /cloudflare/i],
    ['2620:fe::fe', 19281, /quad9/i],
    ['::ffff:8.8.8.8', 15169, /google/i],
  ])('%s is AS%i', (address, asn, name) => {
    const a = info.asn(address);
    expect(a?.asn).toBe(asn);
    expect(a?.name).toMatch(name);
    expect(a?.prefix).toMatch(/\/\d+$/);
  });

  it('gives the block an answer holds for', () => {
    expect(info.asn('8.8.8.8')?.prefix).toBe('8.8.8.0/24');
    expect(info.asn('1.1.1.1')?.prefix).toBe('1.1.1.0/24');
  });

  it.each(['8.8.8.8', '9.9.9.9', '2001:4860:4860::8888'])('%s is in the US', (address) => {
    expect(info.country(address)?.country).toBe('US');
  });

  // The data set itself has an entry for 2001:db8::/32 (JP): documentation, private and other
  // special-purpose addresses belong to no AS and no country, whatever a data file says.
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.1.1',
    '100.64.0.1',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '198.18.0.1',
    '224.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '2001:db8::1',
    'fe80::1',
    'fd00::1',
    '::1',
    'ff02::1',
  ])('%s says nothing', (address) => {
    expect(info.asn(address)).toBeUndefined();
    expect(info.country(address)).toBeUndefined();
  });

  it('reads an IPv4-mapped address as its IPv4 address, and an IPv4-compatible one as not', () => {
    expect(info.asn('::ffff:1.1.1.1')?.asn).toBe(13335);
    expect(info.asn('::1.1.1.1')).toBeUndefined();
  });

  it('says nothing for what is not an address', () => {
    expect(info.asn('example.com')).toBeUndefined();
    expect(info.asn('')).toBeUndefined();
  });

  it('names its sources and their dates', () => {
    expect(info.sources.asn).toMatchObject({ kind: 'shipped', name: '@ip-location-db/asn' });
    expect(info.sources.asn?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(info.sources.country?.kind).toBe('shipped');
    for (const set of shippedDataSets()) expect(set.version).toMatch(/^\d+\.\d+\.\d{10}$/);
  });

  it('opens only what was asked for', async () => {
    const asnOnly = await openIpInfo({ asn: true });
    expect(asnOnly.sources.country).toBeUndefined();
    expect(asnOnly.country('8.8.8.8')).toBeUndefined();
    asnOnly.close();
  });
});

describe('openIpInfo with a file that will not do', () => {
  it('says which file cannot be read', async () => {
    await expect(openIpInfo({ asnDb: '/nonexistent/asn.mmdb' })).rejects.toMatchObject({
      code: 'UNREADABLE',
      message: 'cannot read /nonexistent/asn.mmdb (ENOENT)',
    });
  });

  it('says a file is not an MMDB', async () => {
    await expect(
      openIpInfo({ asnDb: new URL('./ip-info.ts', import.meta.url).pathname }),
    ).rejects.toMatchObject({
      code: 'NOT_MMDB',
    });
  });

  it('refuses a country file as AS data', async () => {
    const [, country] = shippedDataSets();
    await expect(
      openIpInfo({ asnDb: `${country!.directory}/geo-whois-asn-country.mmdb` }),
    ).rejects.toMatchObject({
      code: 'WRONG_KIND',
    });
  });
});
