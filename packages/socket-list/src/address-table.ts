import { formatIpv6Groups } from './address.js';

/**
 * The distinct addresses of a dump, each formatted once and numbered: a dump's sockets share a
 * handful of addresses (a server's own, its listeners' wildcard, a few peers), so a socket can
 * carry a number into `texts` instead of a string of its own. IPv4 addresses are keyed by their
 * 32 bits; IPv6 ones by a hash of their four words, checked word by word on a hit (a collision
 * is numbered afresh and takes the hash's slot), so a lookup allocates nothing.
 */
export class AddressTable {
  /** The addresses as text, by number. */
  readonly texts: string[] = [];
  readonly #v4 = new Map<number, number>();
  readonly #v6 = new Map<number, number>();
  /** The four words of each IPv6 address, by number (IPv4 numbers leave theirs unused). */
  #words = new Int32Array(64);
  readonly #groups = [0, 0, 0, 0, 0, 0, 0, 0];

  /** The number of the IPv4 address in b[at, at + 4) (network order). */
  ipv4(b: Uint8Array, at: number): number {
    const key = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    const id = this.#v4.get(key);
    if (id !== undefined) return id;
    return this.#add(`${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`, this.#v4, key);
  }

  /** The number of the IPv6 address at byte `at` of `v` (network order). */
  ipv6(v: DataView, at: number): number {
    const w0 = v.getInt32(at, false);
    const w1 = v.getInt32(at + 4, false);
    const w2 = v.getInt32(at + 8, false);
    const w3 = v.getInt32(at + 12, false);
    const key = (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ w3) | 0;
    const hit = this.#v6.get(key);
    const w = this.#words;
    if (
      hit !== undefined &&
      w[4 * hit] === w0 &&
      w[4 * hit + 1] === w1 &&
      w[4 * hit + 2] === w2 &&
      w[4 * hit + 3] === w3
    )
      return hit;
    const g = this.#groups;
    g[0] = w0 >>> 16;
    g[1] = w0 & 0xffff;
    g[2] = w1 >>> 16;
    g[3] = w1 & 0xffff;
    g[4] = w2 >>> 16;
    g[5] = w2 & 0xffff;
    g[6] = w3 >>> 16;
    g[7] = w3 & 0xffff;
    const id = this.#add(formatIpv6Groups(g), this.#v6, key);
    const words = this.#words;
    words[4 * id] = w0;
    words[4 * id + 1] = w1;
    words[4 * id + 2] = w2;
    words[4 * id + 3] = w3;
    return id;
  }

  #add(text: string, keys: Map<number, number>, key: number): number {
    const id = this.texts.length;
    this.texts.push(text);
    keys.set(key, id);
    if (4 * id + 4 > this.#words.length) {
      const bigger = new Int32Array(this.#words.length * 2);
      bigger.set(this.#words);
      this.#words = bigger;
    }
    return id;
  }
}
