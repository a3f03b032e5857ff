/**
 * A binary min-heap of items by a numeric key: the schedule of sends and of timeouts. Each item
 * may carry a number (`aux`: a timeout's sequence number), kept beside it rather than in an
 * object of its own: 10,000 timeouts a second would otherwise be 10,000 objects that live a
 * second each, long enough to be copied by every young-generation collection.
 */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];
  private readonly auxes: number[] = [];
  /** The `aux` of the item the last `pop()` returned. */
  poppedAux = 0;

  get size(): number {
    return this.items.length;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  push(key: number, item: T, aux = 0): void {
    const keys = this.keys;
    const items = this.items;
    const auxes = this.auxes;
    let i = keys.length;
    keys.push(key);
    items.push(item);
    auxes.push(aux);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      items[i] = items[parent]!;
      auxes[i] = auxes[parent]!;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
    auxes[i] = aux;
  }

  pop(): T | undefined {
    const keys = this.keys;
    const items = this.items;
    const auxes = this.auxes;
    if (items.length === 0) return undefined;
    const top = items[0];
    this.poppedAux = auxes[0]!;
    const lastKey = keys.pop()!;
    const lastItem = items.pop()!;
    const lastAux = auxes.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && keys[r]! < keys[l]! ? r : l;
        if (keys[c]! >= lastKey) break;
        keys[i] = keys[c]!;
        items[i] = items[c]!;
        auxes[i] = auxes[c]!;
        i = c;
      }
      keys[i] = lastKey;
      items[i] = lastItem;
      auxes[i] = lastAux;
    }
    return top;
  }
}
