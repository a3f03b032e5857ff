import { INET_PROTOCOLS, type InetColumns } from './inet-columns.js';
import type { InetSocket } from './types.js';

/** The fields a column row and a record share, from row `i` of the columns. */
export function columnRow(c: InetColumns, i: number) {
  return {
    protocol: INET_PROTOCOLS[c.protocol[i]!],
    family: c.family[i],
    stateCode: c.stateCode[i],
    localAddress: c.addresses.texts[c.localAddress[i]!],
    localPort: c.localPort[i],
    remoteAddress: c.addresses.texts[c.remoteAddress[i]!],
    remotePort: c.remotePort[i],
    receiveQueue: c.receiveQueue[i],
    sendQueue: c.sendQueue[i],
    uid: c.uid[i],
    inode: c.inode[i],
  };
}

/** Every row of the columns, as columnRow gives them. */
export function columnRows(c: InetColumns) {
  return Array.from({ length: c.count }, (_, i) => columnRow(c, i));
}

/** The same fields of a record, to set beside columnRow. */
export function recordRow(r: InetSocket) {
  return {
    protocol: r.protocol,
    family: r.family,
    stateCode: r.stateCode,
    localAddress: r.localAddress,
    localPort: r.localPort,
    remoteAddress: r.remoteAddress,
    remotePort: r.remotePort,
    receiveQueue: r.receiveQueue,
    sendQueue: r.sendQueue,
    uid: r.uid,
    inode: r.inode,
  };
}
