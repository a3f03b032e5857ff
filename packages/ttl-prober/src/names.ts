import type { Resolver } from '@netdiag/dns-client';

/** Looks up the name of an address; undefined when it has none. */
export type ReverseLookup = (address: string, signal: AbortSignal) => Promise<string | undefined>;

let sharedResolver: Promise<Resolver> | undefined;

/**
 * PTR lookups through netdiag's own resolver (the servers of /etc/resolv.conf, a TTL-aware cache
 * and one query per address however many hops share it), loaded and created on first use: a
 * trace with -n never pays for the DNS code.
 */
export const systemReverse: ReverseLookup = async (address, signal) => {
  sharedResolver ??= import('@netdiag/dns-client').then(({ Resolver }) => new Resolver());
  return (await sharedResolver).hostName(address, { signal });
};

/**
 * Removes what must never reach a terminal from a name that came off the network: control
 * characters (C0, DEL, C1), which could move the cursor or rewrite the screen, and bidi
 * overrides, which could make one name read as another. A PTR record is anyone's to write.
 */
export function sanitizeName(name: string): string {
  return name
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .slice(0, 253);
}

/**
 * Reverse names for hop addresses: looked up once each, asynchronously, never in a probe's way.
 * `onName` is called when a name arrives; a failed lookup is remembered as no name.
 */
export class NameCache {
  readonly #names = new Map<string, string | null>();
  /** Addresses whose lookup failed (not "no name": could not ask), with when to ask again. */
  readonly #retryAt = new Map<string, number>();
  readonly #pending = new Map<string, Promise<void>>();
  readonly #controller = new AbortController();
  readonly #retryAfterMs: number;
  readonly #now: () => number;

  constructor(
    readonly lookup: ReverseLookup,
    readonly onName: (address: string, name: string) => void,
    /** At most this many addresses are remembered (a long continuous run over a flapping path). */
    readonly capacity = 4096,
    /**
     * A lookup that failed (the resolver unreachable or silent for a while) is asked again after
     * `retryAfterMs`, so that a long continuous trace names its hops once DNS is back. A name
     * that does not exist is an answer, and is not asked again.
     */
    retry: { readonly retryAfterMs?: number; readonly now?: () => number } = {},
  ) {
    this.#retryAfterMs = retry.retryAfterMs ?? 30_000;
    this.#now = retry.now ?? (() => performance.now());
  }

  get(address: string): string | undefined {
    const known = this.#names.get(address);
    const retryAt = this.#retryAt.get(address);
    if (known !== undefined && (retryAt === undefined || this.#now() < retryAt)) return known ?? undefined;
    if (!this.#pending.has(address) && !this.#controller.signal.aborted) {
      const settled = this.lookup(address, this.#controller.signal).then(
        (name) => this.#settle(address, name ? sanitizeName(name) : null, false),
        () => this.#settle(address, null, true),
      );
      this.#pending.set(address, settled);
    }
    return known ?? undefined;
  }

  /** Resolves once the address's lookup has answered or failed (at once if it has). */
  settled(address: string): Promise<void> {
    this.get(address);
    return this.#pending.get(address) ?? Promise.resolve();
  }

  #settle(address: string, name: string | null, failed: boolean): void {
    this.#pending.delete(address);
    if (this.#controller.signal.aborted) return;
    if (!this.#names.has(address) && this.#names.size >= this.capacity) {
      const oldest = this.#names.keys().next().value!;
      this.#names.delete(oldest);
      this.#retryAt.delete(oldest);
    }
    this.#names.set(address, name || null);
    if (failed) this.#retryAt.set(address, this.#now() + this.#retryAfterMs);
    else this.#retryAt.delete(address);
    if (name) this.onName(address, name);
  }

  /** Resolves when every lookup asked for so far has answered, or after `maxWaitMs`. */
  async idle(maxWaitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#pending.values()),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  close(): void {
    this.#controller.abort();
  }
}
