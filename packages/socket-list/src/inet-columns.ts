import { AddressTable } from './address-table.js';
import type { InetProtocol } from './types.js';

/** Protocols by their number in InetColumns.protocol. */
export const INET_PROTOCOLS: readonly InetProtocol[] = ['tcp', 'udp', 'raw'];

/**
 * Internet sockets as columns of numbers, one row per socket in the order the kernel listed
 * them: the fields a netstat table shows, without an object or a string per socket. A listing
 * of 50,000 records kept the young generation busy copying them (half of decoding's time was the
 * garbage collector's); these are a dozen typed arrays, whatever the count. Addresses are numbers
 * into `addresses.texts`. The rows equal the InetSocket records decoded from the same bytes,
 * field by field (sendQueue 0 for a listener, as /proc); timers and drops are left out.
 *
 * The arrays are replaced as rows are added: read them after adding, and do not write them.
 */
export class InetColumns {
  count = 0;
  readonly addresses = new AddressTable();
  /** Index into INET_PROTOCOLS. */
  protocol: Uint8Array;
  /** 4 or 6. */
  family: Uint8Array;
  /** The kernel's state number: 1 ESTABLISHED ... 10 LISTEN (see TCP_STATES). */
  stateCode: Uint8Array;
  localPort: Uint16Array;
  remotePort: Uint16Array;
  localAddress: Uint32Array;
  remoteAddress: Uint32Array;
  receiveQueue: Uint32Array;
  sendQueue: Uint32Array;
  uid: Uint32Array;
  inode: Uint32Array;

  constructor(capacity = 1024) {
    const n = Math.max(1, capacity);
    this.protocol = new Uint8Array(n);
    this.family = new Uint8Array(n);
    this.stateCode = new Uint8Array(n);
    this.localPort = new Uint16Array(n);
    this.remotePort = new Uint16Array(n);
    this.localAddress = new Uint32Array(n);
    this.remoteAddress = new Uint32Array(n);
    this.receiveQueue = new Uint32Array(n);
    this.sendQueue = new Uint32Array(n);
    this.uid = new Uint32Array(n);
    this.inode = new Uint32Array(n);
  }

  /** Makes room for one more row and returns its index (its cells are zero until written). */
  add(): number {
    const i = this.count;
    if (i === this.protocol.length) this.#grow(4 * i);
    this.count = i + 1;
    return i;
  }

  /**
   * Makes room for `rows` more rows without adding them, so that a reader can hold the arrays
   * while it writes that many rows (then sets `count`).
   */
  reserve(rows: number): void {
    const need = this.count + rows;
    if (need > this.protocol.length) this.#grow(Math.max(need, 4 * this.protocol.length));
  }

  #grow(n: number): void {
    const to = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T, bigger: T): T => {
      bigger.set(a);
      return bigger;
    };
    this.protocol = to(this.protocol, new Uint8Array(n));
    this.family = to(this.family, new Uint8Array(n));
    this.stateCode = to(this.stateCode, new Uint8Array(n));
    this.localPort = to(this.localPort, new Uint16Array(n));
    this.remotePort = to(this.remotePort, new Uint16Array(n));
    this.localAddress = to(this.localAddress, new Uint32Array(n));
    this.remoteAddress = to(this.remoteAddress, new Uint32Array(n));
    this.receiveQueue = to(this.receiveQueue, new Uint32Array(n));
    this.sendQueue = to(this.sendQueue, new Uint32Array(n));
    this.uid = to(this.uid, new Uint32Array(n));
    this.inode = to(this.inode, new Uint32Array(n));
  }
}
