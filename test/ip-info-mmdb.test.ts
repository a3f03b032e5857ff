import { openIpInfo } from '@netdiag/ip-info';
import { afterAll, describe, expect, it } from 'vitest';
import { mmdblookup, tempDir, writeMmdb } from './support/mmdb.js';

// The user's MMDB files, as MaxMind's writer makes them, read by @netdiag/ip-info and by
// libmaxminddb's mmdblookup: the two must agree on every address.

const tmp = tempDir();
afterAll(() => tmp.remove());

const asnNetworks = [
  ['192.0.2.0/25', 64500, 'Lab Transit'],
  ['192.0.2.128/26', 64501, 'Lab "Edge", Inc.'],
  ['198.51.100.0/24', 4_200_000_001, 'Private four-byte'],
  ['8.8.8.0/24', 15169, 'GOOGLE'],
  ['2001:db8::/48', 64502, 'Lab v6'],
  ['2001:db8:1::/64', 64503, 'Evil\u001b]0;pwned\u0007 Net'],
] as const;

describe('an MMDB written by MaxMind::DB::Writer', async () => {
  const asnDb = `${tmp.dir}/asn.mmdb`;
  const geoDb = `${tmp.dir}/country.mmdb`;
  await writeMmdb(asnDb, {
    databaseType: 'GeoLite2-ASN',
    types: { autonomous_system_number: 'uint32', autonomous_system_organization: 'utf8_string' },
    networks: asnNetworks.map(([network, asn, name]) => ({
      network,
      record: { autonomous_system_number: asn, autonomous_system_organization: name },
    })),
  });
  await writeMmdb(geoDb, {
    databaseType: 'GeoLite2-Country',
    types: {
      country: 'map',
      registered_country: 'map',
      iso_code: 'utf8_string',
      country_code: 'utf8_string',
    },
    networks: [
      { network: '192.0.2.0/24', record: { country: { iso_code: 'IS' } } },
      { network: '198.51.100.0/24', record: { registered_country: { iso_code: 'NZ' } } },
      { network: '2001:db8::/32', record: { country_code: 'jp' } },
    ],
  });
  const info = await openIpInfo({ asn: true, country: true, asnDb, geoDb });
  const probes = [
    '192.0.2.1',
    '192.0.2.127',
    '192.0.2.128',
    '192.0.2.191',
    '192.0.2.192',
    '198.51.100.77',
    '203.0.113.1',
    '8.8.8.8',
    '2001:db8::1',
    '2001:db8:0:ffff::1',
    '2001:db8:1::9',
    '2001:db8:2::1',
  ];

  it.each(probes)('%s: the AS mmdblookup finds', async (address) => {
    const theirs = await mmdblookup(asnDb, address, 'autonomous_system_number');
    expect(info.asn(address)?.asn).toBe(theirs === undefined ? undefined : Number(theirs));
  });

  it('takes the user data at its word, documentation ranges included, and gives the inserted block', () => {
    expect(info.asn('192.0.2.130')).toEqual({
      asn: 64501,
      name: 'Lab "Edge", Inc.',
      prefix: '192.0.2.128/26',
    });
    expect(info.asn('198.51.100.9')?.asn).toBe(4_200_000_001);
    expect(info.asn('2001:db8::5')?.prefix).toBe('2001:db8::/48');
    expect(info.asn('::ffff:192.0.2.1')?.asn).toBe(64500);
  });

  it('strips control characters from the names it reads', async () => {
    expect(await mmdblookup(asnDb, '2001:db8:1::9', 'autonomous_system_organization')).toContain('\u001b');
    expect(info.asn('2001:db8:1::9')?.name).toBe('Evil ]0;pwned Net');
  });

  it('reads countries in the MaxMind, registered-country and ip-location-db layouts', async () => {
    expect(info.country('192.0.2.9')?.country).toBe(
      await mmdblookup(geoDb, '192.0.2.9', 'country', 'iso_code'),
    );
    expect(info.country('192.0.2.9')).toEqual({ country: 'IS', prefix: '192.0.2.0/24' });
    expect(info.country('198.51.100.1')?.country).toBe('NZ');
    expect(info.country('2001:db8:5::1')?.country).toBe('JP');
    expect(info.country('203.0.113.1')).toBeUndefined();
  });

  it('names the files and their build dates', () => {
    expect(info.sources.asn).toMatchObject({ kind: 'file', name: asnDb, version: 'GeoLite2-ASN' });
    expect(info.sources.asn?.date).toBe(new Date().toISOString().slice(0, 10));
  });

  it('refuses a country file as AS data, and the reverse', async () => {
    await expect(openIpInfo({ asnDb: geoDb })).rejects.toMatchObject({ code: 'WRONG_KIND' });
    await expect(openIpInfo({ asn: false, country: true, geoDb: asnDb })).rejects.toMatchObject({
      code: 'WRONG_KIND',
    });
  });
});
