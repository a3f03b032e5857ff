/**
 * What probes and scans need from a packet socket: raw Ethernet frames on one interface, for
 * EtherType 0x0806. `@netdiag/probe-socket` is to provide it (the one layer that owns sockets);
 * tests may script it. Times are monotonic milliseconds (performance.now() scale).
 */
export interface FrameChannel {
  /** The interface's own hardware address, the sender of every request. */
  readonly mac: string;
  /** Sends one frame; resolves with the time taken just before the system call. */
  send(frame: Uint8Array): Promise<number>;
  /** Every frame received, with its receive time (the kernel's, where it gives one). */
  onFrame(listener: (frame: Uint8Array, atMs: number) => void): () => void;
  close(): void;
}

/** Time and timers, injected so that drivers can be run with a scripted clock. */
export interface Clock {
  now(): number;
  /** Calls `fn` at (or just after) `atMs`; returns a function that cancels it. */
  at(atMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  at(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, atMs - performance.now()));
    return () => clearTimeout(t);
  },
};
