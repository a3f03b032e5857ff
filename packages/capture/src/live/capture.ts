// capture(): live packets from one interface or all, with a pcap-filter expression the kernel
// runs, as an async iterable. The socket is probe-socket's capture ring; this file is the
// glue: the filter compiled for the interface's link type, the frames queued for the consumer,
// the kernel's counts at the end.
import { type CaptureSocket, captureInterface, openCaptureSocket } from '@netdiag/probe-socket';
import { jumpsBackward } from '../filter/bpf.js';
import { type CompiledFilter, compileFilter, DEFAULT_SNAPLEN } from '../filter/filter.js';
import { kernelProgram } from '../filter/kernel-program.js';
import type { CapturedPacket } from '../pcap/packet.js';
import { defaultInterface, listInterfaces } from './default-interface.js';

export type Direction = 'inout' | 'in' | 'out';

/** Packets (and their bytes) taken from the ring but not yet consumed, before the ring is left to fill. */
const MAX_QUEUED = 100_000;
const MAX_QUEUED_BYTES = 256 << 20;
const EMPTY = { packets: [] as LivePacket[], bytes: 0 };

export interface CaptureOptions {
  /** An interface name, or 'any'; default: tcpdump's choice (the first up, non-loopback one). */
  readonly interface?: string;
  /** A pcap-filter expression ("tcp port 443 and host 192.0.2.1"); default everything. */
  readonly filter?: string;
  /** libpcap's optimiser for the filter (tcpdump -O turns it off). Default true. */
  readonly optimize?: boolean;
  /** Bytes kept per packet, link header included; 0 or absent: 262144 (tcpdump's default). */
  readonly snaplen?: number;
  /** Put the interface in promiscuous mode (tcpdump's default; -p turns it off). Default true. */
  readonly promiscuous?: boolean;
  /** -Q: which way packets go. Default 'inout'. */
  readonly direction?: Direction;
  /** Stop after this many packets. */
  readonly count?: number;
  /** Kernel ring size in bytes (tcpdump's -B, in KiB there). Default 32 MiB. */
  readonly bufferBytes?: number;
  /** Longest a packet waits in a partly filled ring block. Default 50 ms. */
  readonly blockTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A captured packet, with where it was captured (live only). */
export interface LivePacket extends CapturedPacket {
  /** The interface it was seen on (its index). */
  readonly interfaceIndex: number;
  /** sll_pkttype: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  readonly packetType: number;
}

export interface CaptureStats {
  /** Packets handed to the consumer (tcpdump's "captured"). */
  readonly captured: number;
  /** Packets the kernel's filter accepted (tcpdump's "received by filter"). */
  readonly received: number;
  /** Accepted, but no room in the ring (tcpdump's "dropped by kernel"). */
  readonly dropped: number;
}

export interface CaptureOpened {
  readonly interface: string;
  readonly linkType: number;
  readonly snaplen: number;
  /** The compiled filter (for -d), if one was given. */
  readonly filter: CompiledFilter | undefined;
  /** Where the filter runs: in the kernel, or here (a cooked-header field the kernel cannot load). */
  readonly filterIn: 'kernel' | 'userland' | 'none';
}

export interface Capture extends AsyncIterable<LivePacket> {
  /** Resolves once the socket is open (rejects with why it could not be). */
  readonly opened: Promise<CaptureOpened>;
  /** Counts so far; final once iteration has ended. */
  stats(): CaptureStats;
  /** Ends the capture now (the socket closes; an iteration in progress ends). */
  close(): void;
}

/**
 * Captures packets live. Needs CAP_NET_RAW. The iterator ends at `count`, on `signal`, or when
 * the consumer stops; it throws ProbeSocketError (no permission, no such interface) or
 * FilterError (the expression does not compile).
 */
export function capture(options: CaptureOptions = {}): Capture {
  const snaplen = options.snaplen === undefined || options.snaplen === 0 ? DEFAULT_SNAPLEN : options.snaplen;
  let socket: CaptureSocket | undefined;
  let captured = 0;
  let final: CaptureStats | undefined;
  const queue: { packets: LivePacket[]; bytes: number }[] = [];
  let queued = 0;
  let queuedBytes = 0;
  let paused = false;
  let head = 0;
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const opened = (async (): Promise<CaptureOpened> => {
    const name = options.interface ?? defaultInterface(listInterfaces());
    const where = captureInterface(name);
    let filter: CompiledFilter | undefined;
    let userland: CompiledFilter | undefined;
    let kernel: Uint8Array | undefined;
    if (options.filter !== undefined && options.filter.trim() !== '') {
      filter = await compileFilter(options.filter, {
        linkType: where.linkType,
        snaplen,
        ...(options.optimize === false ? { optimize: false } : {}),
      });
      kernel = kernelProgram(filter.program.instructions, where.linkType, where.cooked);
      // The kernel strips 802.1Q tags before the filter sees the frame (the ring puts them
      // back afterwards), so a program that looks for them must run here, on the frame as saved.
      // The kernel refuses backward jumps (libpcap's "ip6 protochain"): libpcap filters those in
      // userland too.
      if (
        kernel === undefined ||
        jumpsBackward(filter.program.instructions) ||
        /\b(vlan|mpls|pppoes|pppoed|geneve)\b/.test(options.filter)
      ) {
        kernel = undefined;
        userland = filter;
      }
    }
    if (options.signal?.aborted) throw options.signal.reason;
    const s = await openCaptureSocket({
      interface: where,
      snaplen,
      promiscuous: options.promiscuous ?? true,
      direction: options.direction ?? 'inout',
      ...(kernel ? { filter: kernel } : {}),
      ...(options.bufferBytes !== undefined ? { bufferBytes: options.bufferBytes } : {}),
      ...(options.blockTimeoutMs !== undefined ? { blockTimeoutMs: options.blockTimeoutMs } : {}),
    });
    socket = s;
    const linkType = s.linkType;
    s.onFrames((frames) => {
      if (ended) return;
      const batch: LivePacket[] = [];
      let size = 0;
      for (const f of frames) {
        size += f.data.length;
        if (userland !== undefined && !userland.matches(f.data, f.originalLength)) continue;
        if (f.seconds * 1000 + f.nanos / 1e6 > cutoffMs) continue;
        batch.push({
          seconds: f.seconds,
          nanos: f.nanos,
          originalLength: f.originalLength,
          data: f.data,
          linkType,
          interfaceIndex: f.ifindex,
          packetType: f.packetType,
        });
      }
      if (batch.length > 0) {
        queue.push({ packets: batch, bytes: size });
        queued += batch.length;
        queuedBytes += size;
        // The consumer is behind: leave the rest in the kernel's ring (which drops, counted, what
        // no longer fits), as tcpdump's kernel does when tcpdump is slow; never hold without bound.
        if ((queued > MAX_QUEUED || queuedBytes > MAX_QUEUED_BYTES) && !paused) {
          paused = true;
          s.pause();
        }
        notify();
      }
    });
    s.onError((err) => {
      failure ??= err;
      notify();
    });
    return {
      interface: name,
      linkType,
      snaplen,
      filter,
      filterIn: filter === undefined ? 'none' : userland ? 'userland' : 'kernel',
    };
  })();
  opened.catch(() => {});

  const finish = () => {
    if (ended) return;
    ended = true;
    if (socket) {
      const { received, dropped } = socket.stats();
      final = { captured, received, dropped };
      socket.close();
    } else {
      final = { captured, received: 0, dropped: 0 };
    }
    notify();
  };
  const onAbort = () => {
    // Everything captured before the abort is delivered, and nothing after it: what the kernel
    // has handed over now, and, once the block being filled times out and is handed over too,
    // the rest up to the abort's time (tcpdump loses that last block, up to a second of packets).
    cutoffMs = Date.now();
    socket?.drain();
    setTimeout(
      () => {
        socket?.drain();
        aborted = true;
        notify();
      },
      (options.blockTimeoutMs ?? 50) + 20,
    );
  };
  let aborted = false;
  /** The abort's time (the kernel stamps packets with the same real-time clock). */
  let cutoffMs = Number.POSITIVE_INFINITY;
  options.signal?.addEventListener('abort', onAbort, { once: true });

  async function* packets(): AsyncGenerator<LivePacket> {
    try {
      await opened;
      for (;;) {
        while (head < queue.length) {
          const { packets: batch, bytes } = queue[head]!;
          queue[head++] = EMPTY;
          if (head > 1024) {
            queue.splice(0, head);
            head = 0;
          }
          queued -= batch.length;
          queuedBytes -= bytes;
          if (paused && queued < MAX_QUEUED / 2 && queuedBytes < MAX_QUEUED_BYTES / 2 && socket && !ended) {
            paused = false;
            socket.resume();
          }
          for (const p of batch) {
            if (options.count !== undefined && captured >= options.count) return;
            captured++;
            yield p;
          }
        }
        if (options.count !== undefined && captured >= options.count) return;
        if (failure !== undefined) throw failure;
        if (aborted || ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      finish();
    }
  }

  return {
    opened,
    stats: () => {
      if (final) return final;
      const s = socket?.stats();
      return { captured, received: s?.received ?? 0, dropped: s?.dropped ?? 0 };
    },
    close: () => {
      opened.then(finish, () => {});
      if (socket) finish();
    },
    [Symbol.asyncIterator]: () => packets(),
  };
}

/** tcpdump's closing counts, as it prints them on stderr. */
export function formatStats(stats: CaptureStats): string {
  const plural = (n: number) => (n === 1 ? '' : 's');
  return (
    `${stats.captured} packet${plural(stats.captured)} captured\n` +
    `${stats.received} packet${plural(stats.received)} received by filter\n` +
    `${stats.dropped} packet${plural(stats.dropped)} dropped by kernel\n`
  );
}
