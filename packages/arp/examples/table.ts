import { netlinkNeighbourSource, procNeighbourSource, readNeighbours } from '@netdiag/arp';
import { openNetlinkRoute } from '@netdiag/probe-socket';

// The whole table over netlink (both families, exact states); /proc/net/arp where the socket
// layer cannot open one (IPv4 only, states folded, and `missing` says so).
const socket = await openNetlinkRoute().catch(() => undefined);
const table = await readNeighbours({
  source: socket ? netlinkNeighbourSource(socket) : procNeighbourSource(),
});
socket?.close();
console.log(`${table.neighbours.length} neighbours, exact states: ${table.exactStates}`);
for (const n of table.neighbours)
  console.log(
    `${n.address} dev ${n.interface} ${n.mac ?? '(no address)'} ${n.state}${n.router ? ' router' : ''}`,
  );
for (const m of table.missing) console.log(`(${m.family}: ${m.reason})`);
