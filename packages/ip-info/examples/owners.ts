import { openIpInfo, shippedDataSets } from '@netdiag/ip-info';

// Who owns these addresses, from the data shipped with the package: no packet, no DNS query.
const info = await openIpInfo({ asn: true, country: true });
for (const address of ['8.8.8.8', '1.1.1.1', '2620:fe::fe', '192.0.2.1']) {
  const as = info.asn(address);
  const country = info.country(address);
  console.log(
    `${address.padEnd(14)} ${as ? `AS${as.asn} ${as.name ?? ''} (${as.prefix})` : 'AS???'}  ${country?.country ?? '??'}`,
  );
}
info.close();
for (const d of shippedDataSets()) console.log(`data: ${d.package} ${d.version}, built ${d.date}`);
