// A capture socket: AF_PACKET with a TPACKET_V3 ring (src/packet-ring.cc). Frames come in batches,
// one call from C++ per batch; each frame's bytes are a view into the batch, not a copy.
import { type AddonPacketRing, addon } from './addon.js';
import { toSocketError } from './errors.js';

export interface PacketRingSpec {
  /** Interface index; 0 for every interface (then `cooked` must be true, as tcpdump's `any`). */
  readonly ifindex: number;
  /** SOCK_DGRAM with a Linux cooked header built per frame (LINUX_SLL or LINUX_SLL2). */
  readonly cooked: boolean;
  /** The link type of the frames: 1 Ethernet for a raw capture; 113 or 276 cooked. */
  readonly linkType: number;
  /** Bytes kept per frame, link header included (1 to 262144). */
  readonly snaplen: number;
  readonly promiscuous: boolean;
  readonly direction: 'inout' | 'in' | 'out';
  /** Ring size in bytes (default 32 MiB). */
  readonly bufferBytes?: number;
  /** A partly filled block is handed over after this long (default 50 ms). */
  readonly blockTimeoutMs?: number;
  /** Classic BPF (struct sock_filter bytes) attached before the socket binds. */
  readonly filter?: Uint8Array;
}

/** One frame as captured: the kernel's nanosecond time stamp, lengths, bytes, where it came from. */
export interface CapturedFrame {
  readonly seconds: number;
  readonly nanos: number;
  /** Length on the wire (link header included); `data.length` is what was kept. */
  readonly originalLength: number;
  readonly data: Uint8Array;
  readonly linkType: number;
  readonly ifindex: number;
  /** sockaddr_ll.sll_pkttype: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
  readonly packetType: number;
}

export interface PacketRingStats {
  /** Frames the filter accepted, kept or not (libpcap's ps_recv: "received by filter"). */
  readonly received: number;
  /** Frames the filter accepted but the ring had no room for ("dropped by kernel"). */
  readonly dropped: number;
}

const RECORD_HEADER = 28;
const DIRECTIONS = { inout: 0, in: 1, out: 2 } as const;

export class PacketRing {
  readonly linkType: number;
  readonly #handle: AddonPacketRing;
  #closed = false;
  #onFrames: ((frames: CapturedFrame[]) => void) | undefined;
  #onError: ((err: unknown) => void) | undefined;

  constructor(spec: PacketRingSpec) {
    this.linkType = spec.linkType;
    const filter = spec.filter
      ? Buffer.from(spec.filter.buffer, spec.filter.byteOffset, spec.filter.byteLength)
      : null;
    try {
      this.#handle = new (addon().PacketRing)(
        {
          ifindex: spec.ifindex,
          cooked: spec.cooked,
          linkType: spec.linkType,
          snaplen: spec.snaplen,
          promiscuous: spec.promiscuous,
          direction: DIRECTIONS[spec.direction],
          bufferBytes: spec.bufferBytes ?? 32 << 20,
          blockTimeoutMs: spec.blockTimeoutMs ?? 50,
          filter,
        },
        (batch, count, error) => this.#batch(batch, count, error),
      );
    } catch (err) {
      throw toSocketError(err);
    }
  }

  /** Receives every batch of frames; the last listener set wins. */
  onFrames(listener: (frames: CapturedFrame[]) => void): void {
    this.#onFrames = listener;
  }

  /** The error that ended the capture (the interface went away). */
  onError(listener: (err: unknown) => void): void {
    this.#onError = listener;
  }

  /** Delivers what the kernel has handed over now, before returning. */
  drain(): void {
    if (!this.#closed) this.#handle.drain();
  }

  /**
   * Stops reading the ring while the consumer is behind: the kernel goes on filling it and drops
   * (and counts) what no longer fits, rather than this process holding ever more frames.
   */
  pause(): void {
    if (!this.#closed) this.#handle.pause();
  }

  resume(): void {
    if (!this.#closed) this.#handle.resume();
  }

  /** Counts since the ring opened (PACKET_STATISTICS, summed). */
  stats(): PacketRingStats {
    const [received, dropped] = this.#closed
      ? [this.#lastStats.received, this.#lastStats.dropped]
      : this.#handle.stats();
    this.#lastStats = { received, dropped };
    return this.#lastStats;
  }
  #lastStats: PacketRingStats = { received: 0, dropped: 0 };

  ref(): void {
    if (!this.#closed) this.#handle.ref();
  }

  unref(): void {
    if (!this.#closed) this.#handle.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes the final counts, then closes. */
  close(): void {
    if (this.#closed) return;
    this.stats();
    this.#closed = true;
    this.#handle.close();
  }

  #batch(batch: Buffer | null, count: number, error: Error | undefined): void {
    if (batch === null) {
      this.#onError?.(toSocketError(error));
      return;
    }
    const listener = this.#onFrames;
    if (listener === undefined) return;
    listener(parseBatch(batch, count, this.linkType));
  }
}

/** The records packet-ring.cc writes, as frames viewing the batch's memory. */
export function parseBatch(batch: Uint8Array, count: number, linkType: number): CapturedFrame[] {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const frames: CapturedFrame[] = new Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const recordLength = view.getUint32(at, true);
    const caplen = view.getUint32(at + 4, true);
    frames[i] = {
      seconds: view.getUint32(at + 12, true),
      nanos: view.getUint32(at + 16, true),
      originalLength: view.getUint32(at + 8, true),
      data: batch.subarray(at + RECORD_HEADER, at + RECORD_HEADER + caplen),
      linkType,
      ifindex: view.getUint32(at + 20, true),
      packetType: view.getUint16(at + 24, true),
    };
    at += recordLength;
  }
  return frames;
}

/** Opens a capture ring. Throws SocketError (EPERM without CAP_NET_RAW, ENODEV, ...). */
export function openPacketRing(spec: PacketRingSpec): PacketRing {
  return new PacketRing(spec);
}
