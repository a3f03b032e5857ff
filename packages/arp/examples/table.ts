import { readNeighbours } from '@netdiag/arp';

const table = await readNeighbours();
for (const n of table.neighbours)
  console.log(`${n.address} dev ${n.interface} ${n.mac ?? '(no address)'} ${n.state}`);
for (const m of table.missing) console.log(`(${m.family}: ${m.reason})`);
