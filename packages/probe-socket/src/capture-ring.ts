// The capture socket: an AF_PACKET ring on one interface or all of them, for @netdiag/capture.
// The addon is imported when a ring opens, not before.
import { readFileSync } from 'node:fs';
import type { CapturedFrame, PacketRing, PacketRingStats } from '@netdiag/native-socket';
import { ProbeSocketError, toProbeSocketError } from './errors.js';
import { loadNative } from './native-loader.js';

export type { CapturedFrame, PacketRingStats };

/** pcap LINKTYPE_ values a capture socket produces. */
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const ARPHRD_NONE = 65534;

/** Where and how to capture, resolved from an interface name (see captureInterface). */
export interface CaptureInterface {
  readonly name: string;
  /** 0 for `any`. */
  readonly ifindex: number;
  /** The pcap link type the frames will have, as libpcap picks it for this device. */
  readonly linkType: number;
  /** Captured with SOCK_DGRAM and a Linux cooked header (any, and links without a known header). */
  readonly cooked: boolean;
}

/**
 * The interface's index and the link type libpcap would capture it with: Ethernet and loopback
 * as EN10MB, ARPHRD_NONE (tun, WireGuard) as RAW, `any` as LINUX_SLL2 (tcpdump 4.99's default),
 * anything else cooked (LINUX_SLL). Throws ProbeSocketError for an unknown name.
 */
export function captureInterface(
  name: string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): CaptureInterface {
  if (name === 'any') return { name, ifindex: 0, linkType: LINKTYPE_LINUX_SLL2, cooked: true };
  if (!/^[^\s/]{1,15}$/.test(name) || name === '.' || name === '..')
    throw new ProbeSocketError(`'${name}' is not an interface name`, 'EINVAL', 'bind');
  let index: string;
  let type: string;
  try {
    index = readFile(`/sys/class/net/${name}/ifindex`);
    type = readFile(`/sys/class/net/${name}/type`);
  } catch (err) {
    throw new ProbeSocketError(`no interface named '${name}'`, 'EINVAL', 'bind', { cause: err });
  }
  const ifindex = Number.parseInt(index, 10);
  const hatype = Number.parseInt(type, 10);
  if (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK)
    return { name, ifindex, linkType: LINKTYPE_ETHERNET, cooked: false };
  if (hatype === ARPHRD_NONE) return { name, ifindex, linkType: LINKTYPE_RAW, cooked: false };
  return { name, ifindex, linkType: LINKTYPE_LINUX_SLL, cooked: true };
}

export interface CaptureSocketSpec {
  readonly interface: CaptureInterface;
  readonly snaplen: number;
  readonly promiscuous: boolean;
  readonly direction: 'inout' | 'in' | 'out';
  /** Classic BPF for the kernel, already in the socket's view of the frame (see @netdiag/capture). */
  readonly filter?: Uint8Array;
  readonly bufferBytes?: number;
  readonly blockTimeoutMs?: number;
}

/** A capture socket for @netdiag/capture: frames in batches, the kernel's counts, close. */
export interface CaptureSocket {
  readonly linkType: number;
  onFrames(listener: (frames: CapturedFrame[]) => void): void;
  onError(listener: (err: ProbeSocketError) => void): void;
  drain(): void;
  /** Stop / start reading the ring (backpressure: the kernel drops what no longer fits). */
  pause(): void;
  resume(): void;
  stats(): PacketRingStats;
  ref(): void;
  unref(): void;
  close(): void;
}

/**
 * Opens a TPACKET_V3 capture ring. Needs CAP_NET_RAW. Throws ProbeSocketError: no permission
 * (isPermissionDenied, the message says how), an interface that went away, the addon or libpcap
 * unavailable.
 */
export async function openCaptureSocket(spec: CaptureSocketSpec): Promise<CaptureSocket> {
  const native = await loadNative('packet capture (an AF_PACKET socket)');
  let ring: PacketRing;
  try {
    ring = native.openPacketRing({
      ifindex: spec.interface.ifindex,
      cooked: spec.interface.cooked,
      linkType: spec.interface.linkType,
      snaplen: spec.snaplen,
      promiscuous: spec.promiscuous,
      direction: spec.direction,
      ...(spec.filter ? { filter: spec.filter } : {}),
      ...(spec.bufferBytes !== undefined ? { bufferBytes: spec.bufferBytes } : {}),
      ...(spec.blockTimeoutMs !== undefined ? { blockTimeoutMs: spec.blockTimeoutMs } : {}),
    });
  } catch (err) {
    throw captureError(err, spec.interface.name);
  }
  return {
    linkType: ring.linkType,
    onFrames: (l) => ring.onFrames(l),
    onError: (l) => ring.onError((err) => l(captureError(err, spec.interface.name))),
    drain: () => ring.drain(),
    pause: () => ring.pause(),
    resume: () => ring.resume(),
    stats: () => ring.stats(),
    ref: () => ring.ref(),
    unref: () => ring.unref(),
    close: () => ring.close(),
  };
}

function captureError(err: unknown, name: string): ProbeSocketError {
  const code = (err as { code?: unknown } | null)?.code;
  const syscall = (err as { syscall?: unknown } | null)?.syscall;
  if ((code === 'EPERM' || code === 'EACCES') && syscall === 'socket')
    // The ring is opened and mapped in the addon; the privileged helper does not hand out
    // capture rings yet, so the only fix to name is root (or CAP_NET_RAW on the process).
    return new ProbeSocketError('capture needs CAP_NET_RAW: run it as root', code, 'socket', {
      cause: err,
    });
  if (code === 'ENODEV' || code === 'ENXIO')
    return new ProbeSocketError(`no interface named '${name}' (or it went away)`, 'EINVAL', 'bind', {
      cause: err,
    });
  if (code === 'ENETDOWN')
    return new ProbeSocketError(`${name}: the interface is down`, 'EINVAL', 'bind', { cause: err });
  return toProbeSocketError(err, syscall === 'bind' ? 'bind' : 'socket');
}
