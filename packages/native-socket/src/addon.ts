import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  ) => AddonSocket;
  readonly constants: Readonly<Record<string, number>>;
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
  ref(): void;
  unref(): void;
  close(): void;
  drain(): void;
  readonly queueLength: number;
  readonly fd: number;
}

// The addon sits in build/Release after `node-gyp rebuild` (the package's install script). It is
// found by walking up from this file as Node's resolution would, so this file works from src/
// (tests), dist/ (build) and inside the CLI's bundle alike: either this package's own directory
// (it holds binding.gyp) or a node_modules/@netdiag/native-socket on the way up. Not
// require.resolve: its first call in a process costs 4 ms here (timed in a bare script), more than
// the rest of opening a socket. Resolved on first use: importing this file costs nothing.
const PACKAGE = '@netdiag/native-socket';
const BINARY = 'build/Release/native_socket.node';

function addonPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    if (existsSync(join(dir, 'binding.gyp')) && packageName(dir) === PACKAGE) return join(dir, BINARY);
    const installed = join(dir, 'node_modules', PACKAGE, BINARY);
    if (existsSync(installed)) return installed;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Laid out some other way (NODE_PATH, a bundler's copy): ask Node, which also says what failed.
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${PACKAGE}/package.json`)), BINARY);
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
  const ADDON = addonPath();
  if (!existsSync(ADDON)) {
    return {
      error: new NativeUnavailableError(
        `the addon was not built (${ADDON} is missing: install g++, make and python3, then run npm rebuild @netdiag/native-socket)`,
      ),
    };
  }
  try {
    return { addon: createRequire(import.meta.url)(ADDON) as Addon };
  } catch (err) {
    return {
      error: new NativeUnavailableError(
        `the addon failed to load: ${err instanceof Error ? err.message : String(err)}`,
      ),
    };
  }
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
