import type { NetlinkSocket } from './netlink.js';

/**
 * A NetlinkSocket that answers every request with recorded datagrams (a dump captured from the
 * kernel), rewritten to carry the request's sequence number: for testing rtnetlink readers
 * without a kernel. Each datagram is delivered on its own turn of the event loop, as a socket would.
 */
export function recordedNetlinkSocket(recorded: readonly Uint8Array[]): NetlinkSocket {
  const listeners = new Set<(datagram: Uint8Array) => void>();
  return {
    async send(message) {
      const seq = new DataView(message.buffer, message.byteOffset).getUint32(8, true);
      for (const d of recorded) {
        const copy = d.slice();
        const v = new DataView(copy.buffer);
        // Every message of the datagram, walked by its aligned length (at least a header, so
        // that a corrupt length cannot stall the walk).
        for (let at = 0; at + 16 <= copy.length; at += Math.max(16, (v.getUint32(at, true) + 3) & ~3))
          v.setUint32(at + 8, seq, true);
        setImmediate(() => {
          for (const l of listeners) l(copy);
        });
      }
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
