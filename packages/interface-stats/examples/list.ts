import { InterfaceSampler, readCounterSnapshot, readInterfaces } from '@netdiag/interface-stats';

for (const i of await readInterfaces()) {
  const addrs = i.addresses.map((a) => `${a.address}/${a.prefixLength} (${a.scope})`).join(', ');
  console.log(
    `${i.index}: ${i.name} <${i.flags.join(',')}> mtu ${i.mtu} ${i.operState} ${i.mac ?? ''} ${addrs}`,
  );
}

const sampler = new InterfaceSampler({ historyLength: 60 });
sampler.push(readCounterSnapshot());
await new Promise((r) => setTimeout(r, 1000));
for (const r of sampler.push(readCounterSnapshot())) {
  if (r.status === 'measured')
    console.log(r.name, `${(r.rates.rxBitsPerSecond / 1000).toFixed(1)} kbit/s in`);
}
