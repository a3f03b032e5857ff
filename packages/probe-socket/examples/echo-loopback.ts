// Sends one ICMP echo request to 127.0.0.1 through the probe-socket layer and prints what the
// socket receives: the request looped back and the kernel's reply.
// Run as root:  node --import tsx packages/probe-socket/examples/echo-loopback.ts
import { icmpv4, ipv4 } from '@netdiag/icmp';
import { openProbeSocket } from '@netdiag/probe-socket';

const socket = openProbeSocket({ family: 4, protocol: 'icmp' });
console.log(`backend: ${socket.backend}`);
socket.onPacket((packet) => {
  // Datagram ICMP sockets deliver IPv4 without its header; raw sockets with it.
  const at = packet.includesIpHeader === false ? 0 : ipv4.decode(packet.data).bytesRead;
  const message = icmpv4.decode(packet.data, at).value;
  console.log(`${packet.from}: ${message.kind} (kernel timestamp: ${packet.kernelTimestamp})`);
});
const request = icmpv4.encode({
  kind: 'echo-request',
  code: 0,
  identifier: socket.boundIdentifier ?? 0x4e44,
  sequence: 1,
  payload: new Uint8Array(16),
});
await socket.send(request, '127.0.0.1', { ttl: 64 });
setTimeout(() => socket.close(), 200);
