import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeUnavailableError } from './errors.js';

/** What the compiled addon (src/*.cc) exports. */
export interface Addon {
  readonly NativeSocket: new (
    domain: number,
    type: number,
    protocol: number,
    receiveBufferBytes: number,
    sendQueueLimit: number,
    onMessage: (
      data: Buffer,
      from: Buffer | undefined,
      kernelNs: bigint | undefined,
      hopLimit: number,
      ifindex: number,
      truncated: boolean,
    ) => void,
    onErrorQueue: (
      errno: number,
      origin: number,
      type: number,
      code: number,
      info: number,
      offender: Buffer | undefined,
      destination: Buffer | undefined,
      payload: Buffer | undefined,
      kernelNs: bigint | undefined,
    ) => void,
    onSent: (token: number, errno: number, sentAt: bigint) => void,
    adoptFd?: number,
  ) => AddonSocket;
  /** In every thread: no_new_privs, securebits, the ambient set (the bounding set in the calling thread), the user, then capset(keep). */
  readonly dropPrivileges: (
    keep: readonly number[],
    user: { readonly uid: number; readonly gid: number; readonly groups: readonly number[] } | null,
  ) => void;
  /** The local sockaddr of a UDP socket connected to `to` (nothing sent); throws a coded error. */
  readonly routeSource: (to: Uint8Array) => Buffer;
  /**
   * Every thread's /proc status holds `want` (permitted and effective), no ambient set,
   * no_new_privs and, unless `uid` is -1, that uid: the number of threads read, or throws.
   */
  readonly checkThreads: (want: number, uid: number) => number;
  /** A descriptor from the privileged helper at `path`; throws a coded error. */
  readonly helperOpen: (path: string, domain: number, type: number, protocol: number) => number;
  readonly constants: Readonly<Record<string, number>>;
  readonly PacketRing: new (options: PacketRingOptions, onBatch: PacketRingBatchListener) => AddonPacketRing;
  readonly pcapCompile: (
    linkTypeOrSavefile: number | string,
    snaplen: number,
    expression: string,
    optimize: boolean,
    netmask: number,
  ) => Buffer;
  readonly pcapImage: (program: Uint8Array) => string[];
  readonly pcapFilter: (program: Uint8Array, packet: Uint8Array, wireLength: number) => number;
  readonly pcapVersion: () => string;
}

/** What src/packet-ring.cc takes (see packet-ring.ts for the meaning of each). */
export interface PacketRingOptions {
  readonly ifindex: number;
  readonly cooked: boolean;
  readonly linkType: number;
  readonly snaplen: number;
  readonly promiscuous: boolean;
  readonly direction: 0 | 1 | 2;
  readonly bufferBytes: number;
  readonly blockTimeoutMs: number;
  readonly filter: Buffer | null;
}

/** A batch of records (see packet-ring.cc), or null and the error that ended the capture. */
export type PacketRingBatchListener = (batch: Buffer | null, count: number, error?: Error) => void;

export interface AddonPacketRing {
  stats(): [received: number, dropped: number];
  drain(): void;
  pause(): void;
  resume(): void;
  close(): void;
  ref(): void;
  unref(): void;
  readonly fd: number;
}

export interface AddonSocket {
  setOption(level: number, name: number, value: number | Uint8Array): void;
  getOption(level: number, name: number): number;
  getOption(level: number, name: number, bytes: number): Buffer;
  bind(sockaddr: Uint8Array): void;
  connect(sockaddr: Uint8Array): void;
  localAddress(): Buffer;
  send(
    data: Uint8Array,
    sockaddr: Uint8Array | null,
    ttl: number,
    tos: number,
    source: Uint8Array | null,
    ifindex: number,
    token: number,
  ): bigint | undefined;
  /** As send(), the time written into `sentAt` as [seconds, nanoseconds]: true when sent now. */
  send(
    data: Uint8Array,
    sockaddr: Uint8Array | null,
    ttl: number,
    tos: number,
    source: Uint8Array | null,
    ifindex: number,
    token: number,
    sentAt: Float64Array,
  ): true | undefined;
  /** Every datagram from now on read into `data`, its sender into `from` (see socket.cc). */
  receiveInto(
    data: Uint8Array,
    from: Uint8Array,
    onMessage: (
      length: number,
      fromLength: number,
      seconds: number,
      nanoseconds: number,
      hopLimit: number,
      ifindex: number,
      truncated: boolean,
    ) => void,
  ): void;
  ref(): void;
  unref(): void;
  close(): void;
  drain(): void;
  readonly queueLength: number;
  readonly fd: number;
}

// The addon is one of two files in this package: build/Release/native_socket.node, built from
// src/*.cc by `node-gyp rebuild` (in a checkout always; installed from the registry, only where
// the prebuilt binary does not load: install.mjs), or prebuilds/<platform>-<arch>/native_socket.node,
// built by `npm pack` (prepack) from the same sources. A build of its own comes first: it exists
// only where it was needed or where the sources are being worked on. N-API binaries fit every
// Node line, so one prebuilt binary per platform serves Node 20, 22 and 24.
//
// The package is found by walking up from this file as Node's resolution would, so this file works
// from src/ (tests), dist/ (build) and inside the CLI's bundle alike: either this package's own
// directory (it holds binding.gyp) or a node_modules/@netdiag/native-socket on the way up. Not
// require.resolve: its first call in a process costs 4 ms here (timed in a bare script), more than
// the rest of opening a socket. Resolved on first use: importing this file costs nothing.
const PACKAGE = '@netdiag/native-socket';
const BINARIES = [
  'build/Release/native_socket.node',
  `prebuilds/${process.platform}-${process.arch}/native_socket.node`,
];

function packageDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    if (existsSync(join(dir, 'binding.gyp')) && packageName(dir) === PACKAGE) return dir;
    const installed = join(dir, 'node_modules', PACKAGE);
    if (existsSync(join(installed, 'binding.gyp'))) return installed;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Laid out some other way (NODE_PATH, a bundler's copy): ask Node, which also says what failed.
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  return dirname(require.resolve(`${PACKAGE}/package.json`));
}

function packageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

let loaded: { readonly addon: Addon } | { readonly error: NativeUnavailableError } | undefined;

function load(): { readonly addon: Addon } | { readonly error: NativeUnavailableError } {
  if (process.platform !== 'linux')
    return { error: new NativeUnavailableError(`Linux only (this is ${process.platform})`) };
  let dir: string;
  try {
    dir = packageDir();
  } catch (err) {
    return { error: new NativeUnavailableError(`${PACKAGE} not found: ${oneLine(err)}`) };
  }
  const failures: string[] = [];
  for (const binary of BINARIES) {
    const file = join(dir, binary);
    if (!existsSync(file)) continue;
    try {
      // What require() of a .node file does, without require's resolution of a path already
      // known (0.45 ms of a trace's start on Node 24: it reads package.json files on the way).
      const module = { exports: {} };
      process.dlopen(module, file);
      return { addon: module.exports as Addon };
    } catch (err) {
      failures.push(`${file}: ${oneLine(err)}`);
    }
  }
  if (failures.length > 0)
    return { error: new NativeUnavailableError(`the addon failed to load: ${failures.join('; ')}`) };
  return {
    error: new NativeUnavailableError(
      `no binary for ${process.platform}-${process.arch} in ${dir} and none was built (install g++, make and python3, then run npm rebuild ${PACKAGE})`,
    ),
  };
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/** The loaded addon; throws NativeUnavailableError (with the reason) where it cannot load. */
export function addon(): Addon {
  // Loaded on first use, so that importing this package costs nothing until a socket opens.
  loaded ??= load();
  if ('error' in loaded) throw loaded.error;
  return loaded.addon;
}

/** Whether the addon loads here, and if not, why. */
export function nativeAvailability():
  | { readonly available: true }
  | { readonly available: false; readonly reason: string } {
  try {
    addon();
    return { available: true };
  } catch (err) {
    return { available: false, reason: err instanceof NativeUnavailableError ? err.reason : String(err) };
  }
}
