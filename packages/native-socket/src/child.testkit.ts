// Run as a child process or worker by native-socket.test.ts: opens a UDP socket on loopback,
// reports its port, then behaves as argv[2] / workerData says.
//   unref: unreference the socket and let the script end (the process must exit).
//   ref:   keep it referenced; exit only after a datagram arrives (the process must stay alive).
//   echo:  (worker) send a datagram to itself, post what arrived, unref and end.
import { parentPort, workerData } from 'node:worker_threads';
import { open } from './index.js';

const mode: string = (workerData as { mode?: string } | null)?.mode ?? process.argv[2] ?? 'unref';
const socket = open({ domain: 'inet', type: 'dgram', protocol: 0 });
socket.bind({ family: 'inet', address: '127.0.0.1', port: 0 });
const local = socket.localAddress();
const port = local?.family === 'inet' ? local.port : -1;

if (mode === 'unref') {
  socket.unref();
  process.stdout.write(`${port}\n`);
} else if (mode === 'ref') {
  socket.onMessage(() => {
    process.stdout.write('received\n');
    socket.close();
  });
  process.stdout.write(`${port}\n`);
} else if (mode === 'echo') {
  socket.onMessage((m) => {
    parentPort?.postMessage({
      data: m.data.toString(),
      kernelTimestamp: m.kernelTimestamp,
      hopLimit: m.hopLimit,
    });
    // Left open on purpose, only unreferenced: the worker's exit must close it (the addon's
    // cleanup hook), without a crash or a leaked poll handle holding the thread.
    socket.unref();
  });
  await socket.send(Buffer.from('from a worker'), { family: 'inet', address: '127.0.0.1', port }, { ttl: 9 });
}
