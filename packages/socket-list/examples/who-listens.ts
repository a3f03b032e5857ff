// Who listens on this machine, and which process: `node --import tsx packages/socket-list/examples/who-listens.ts`
// (as root to see every process's sockets).
import { listSockets, readCounters, readRoutes } from '@netdiag/socket-list';

const { sockets, hiddenPids } = await listSockets({
  protocols: ['tcp', 'udp'],
  processes: true,
  // ss's rule: several states add up; unconnected UDP sockets are in state 'closed' (ss: UNCONN).
  filter: ['state', 'listening', 'state', 'closed'],
});
for (const s of sockets) {
  if (s.protocol === 'unix') continue;
  const owner = s.owners[0];
  // Process names are untrusted text: JSON.stringify escapes control characters.
  console.log(
    `${s.protocol}${s.family === 6 ? '6' : ''} ${s.localAddress}:${s.localPort} ${owner ? `${owner.pid} ${JSON.stringify(owner.command)}` : '-'}`,
  );
}
if (hiddenPids?.length) console.log(`(${hiddenPids.length} processes not visible without root)`);

const defaults = readRoutes().routes.filter((r) => r.prefixLength === 0 && r.table === 'main');
console.log(
  'default routes:',
  defaults.map((r) => `${r.gateway ?? r.device} dev ${r.device}`).join(', ') || 'none',
);
console.log('TCP active opens since boot:', readCounters().counters.Tcp?.ActiveOpens);
