import { describe, expect, it } from 'vitest';
import { diffSockets, socketKey } from './identity.js';
import type { InetSocket } from './types.js';

const s = (localPort: number, remotePort: number): InetSocket => ({
  protocol: 'tcp',
  family: 4,
  state: 'ESTABLISHED',
  stateCode: 1,
  localAddress: '127.0.0.1',
  localPort,
  remoteAddress: '127.0.0.1',
  remotePort,
  sendQueue: 0,
  receiveQueue: 0,
  uid: 0,
  timer: { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 },
  inode: localPort,
  owners: [],
});

describe('diffSockets', () => {
  it('names opened keys and closed records', () => {
    const a = [s(1, 2), s(3, 4)];
    const b = [s(3, 4), s(5, 6)];
    const d = diffSockets(a, b);
    expect([...d.opened]).toEqual([socketKey(s(5, 6))]);
    expect(d.closed).toEqual([s(1, 2)]);
  });
});
