/** One captured packet, as a file or a live capture gives it. */
export interface CapturedPacket {
  /** Unix seconds of the capture time. */
  readonly seconds: number;
  /** Nanoseconds within the second, 0 to 999,999,999 (files with µs timestamps give multiples of 1000). */
  readonly nanos: number;
  /** The packet's length on the wire; `data.length` is what was captured (the snap length cuts it). */
  readonly originalLength: number;
  readonly data: Uint8Array;
  /** pcap LINKTYPE_* of `data`. */
  readonly linkType: number;
  /** pcapng: the interface the packet was captured on (index into the file's interfaces). */
  readonly interfaceId?: number;
}
