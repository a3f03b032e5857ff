// Helper of bench/capture.ts: one capture receive path on interface v0 for SECONDS, every frame
// handed to JavaScript as a packet object (bytes, lengths, time stamp), then prints
// {path, received, dropped, cpuMs} as JSON. PATH: `ring` (the TPACKET_V3 ring of
// @netdiag/native-socket, batches per block) or `recvmsg` (a SOCK_RAW packet socket read with
// recvmsg, up to 512 frames per wake-up, one callback each: the generic NativeSocket).
// Usage: node --import tsx bench/lib/capture-receiver.ts PATH
import { readFileSync } from 'node:fs';
import { constants, open, openPacketRing } from '@netdiag/native-socket';

const [path] = process.argv.slice(2);
const ifindex = Number.parseInt(readFileSync('/sys/class/net/v0/ifindex', 'utf8'), 10);
const SOL_PACKET = 263;
const PACKET_STATISTICS = 6;
let received = 0;
let bytes = 0;
const cpu0 = process.cpuUsage();
let stats: () => { received: number; dropped: number };
let close: () => void;

if (path === 'ring') {
  const ring = openPacketRing({
    ifindex,
    cooked: false,
    linkType: 1,
    snaplen: 262144,
    promiscuous: true,
    direction: 'inout',
  });
  ring.onFrames((frames) => {
    for (const f of frames) {
      received++;
      bytes += f.data.length;
    }
  });
  stats = () => ring.stats();
  close = () => ring.close();
} else {
  // The same buffer the ring has (32 MiB), as the socket's receive buffer.
  const socket = open({
    domain: 'packet',
    type: 'raw',
    protocol: constants().ETH_P_ALL!,
    receiveBufferBytes: 65536,
  });
  socket.setOption(constants().SOL_SOCKET!, 33 /* SO_RCVBUFFORCE */, 32 << 20);
  socket.bind({ family: 'packet', protocol: constants().ETH_P_ALL!, ifindex });
  socket.onMessage((m) => {
    received++;
    bytes += m.data.length;
  });
  let total = { received: 0, dropped: 0 };
  stats = () => {
    const b = socket.getOption(SOL_PACKET, PACKET_STATISTICS, 8);
    total = {
      received: total.received + b.readUInt32LE(0),
      dropped: total.dropped + b.readUInt32LE(4),
    };
    return total;
  };
  close = () => socket.close();
}
process.stderr.write('listening on v0\n');
process.once('SIGINT', () => {
  const s = stats();
  close();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      path,
      received,
      bytes,
      kernelReceived: s.received,
      dropped: s.dropped,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }),
  );
});
