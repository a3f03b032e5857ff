// Opens a raw ICMP socket, then drops every capability in every thread (and, as root, becomes
// nobody), and shows that the socket still works while nothing privileged can be opened again.
// Run as root:  node --import tsx packages/probe-socket/examples/least-privilege.ts
import { icmpv4 } from '@netdiag/icmp';
import { dropPrivileges, openProbeSocket, ProbeSocketError, threadPrivileges } from '@netdiag/probe-socket';

const socket = openProbeSocket({ family: 4, protocol: 'icmp' });
const dropped = await dropPrivileges(process.getuid?.() === 0 ? { user: 'nobody' } : {});
console.log(`dropped: ${dropped.threads} threads checked, user ${dropped.user ?? '(unchanged)'}`);
for (const t of threadPrivileges())
  console.log(
    `  thread ${t.tid}: uid ${t.uids[0]}, CapEff ${t.effective.toString(16)}, CapPrm ${t.permitted.toString(16)}`,
  );

try {
  openProbeSocket({ family: 4, protocol: 'tcp' }).close();
  console.log('a second raw socket opened: the drop did not hold');
} catch (err) {
  console.log(`a second raw socket: ${err instanceof ProbeSocketError ? err.code : err}`);
}

socket.onPacket((packet) => {
  if (packet.from === '127.0.0.1')
    console.log(`the socket opened before the drop still hears ${packet.from}`);
});
const request = icmpv4.encode({
  kind: 'echo-request',
  code: 0,
  identifier: socket.boundIdentifier ?? 0x4e45,
  sequence: 1,
  payload: new Uint8Array(8),
});
await socket.send(request, '127.0.0.1');
setTimeout(() => socket.close(), 200);
