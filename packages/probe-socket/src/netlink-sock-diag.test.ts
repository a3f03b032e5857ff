import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { netlinkDump } from '@netdiag/interface-stats';
import { nativeAvailability } from '@netdiag/native-socket';
import { describe, expect, it } from 'vitest';
import { openNetlinkSockDiag } from './netlink-sock-diag.js';

const SOCK_DIAG_BY_FAMILY = 20;
const TCP_LISTEN = 10;

/** struct inet_diag_req_v2: IPv4 TCP sockets in LISTEN (the request @netdiag/socket-list makes, narrowed). */
function listenersRequest(): Uint8Array {
  const b = new Uint8Array(56);
  b[0] = 2; // AF_INET
  b[1] = 6; // IPPROTO_TCP
  new DataView(b.buffer).setUint32(4, 1 << TCP_LISTEN, true);
  return b;
}

// A real NETLINK_SOCK_DIAG socket in the test's own namespace: the kernel's answer about a
// listener of ours, against ss's of the same moment.
describe.skipIf(!nativeAvailability().available)('openNetlinkSockDiag', () => {
  it('dumps our listener with the port and inode ss shows', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const socket = await openNetlinkSockDiag();
    try {
      const messages = await netlinkDump(socket, SOCK_DIAG_BY_FAMILY, listenersRequest());
      const ours = messages
        .filter((m) => m.type === SOCK_DIAG_BY_FAMILY)
        .map((m) => new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength))
        .filter((v) => v.getUint16(4, false) === port);
      expect(ours).toHaveLength(1);
      const v = ours[0]!;
      expect(v.getUint8(1)).toBe(TCP_LISTEN);
      expect([8, 9, 10, 11].map((k) => v.getUint8(k)).join('.')).toBe('127.0.0.1');
      const ss = execFileSync('ss', ['-tlneH', 'sport', '=', `:${port}`]).toString();
      expect(ss).toContain(`127.0.0.1:${port}`);
      expect(ss).toContain(` ino:${v.getUint32(68, true)} `);
    } finally {
      socket.close();
      server.close();
    }
  });

  it('a closed socket rejects a dump in one ProbeSocketError, not a crash', async () => {
    const socket = await openNetlinkSockDiag();
    socket.close();
    await expect(netlinkDump(socket, SOCK_DIAG_BY_FAMILY, listenersRequest())).rejects.toMatchObject({
      name: 'ProbeSocketError',
    });
  });
});
