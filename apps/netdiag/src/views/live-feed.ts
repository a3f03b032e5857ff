/**
 * The bridge between a running job and its live view: the job pushes lines (printed above the
 * live part, like ping's per-reply lines) and state changes; the view subscribes when it has
 * loaded. Lines pushed before that are kept and handed over on subscription, so the first probe
 * never waits for Ink to load.
 */
export class LiveFeed<S> {
  #pending: string[] = [];
  #listener: { onLine(line: string): void; onChange(): void } | undefined;
  #fallback: ((line: string) => void) | undefined;

  constructor(readonly snapshot: () => S) {}

  line(text: string): void {
    if (this.#listener) this.#listener.onLine(text);
    else if (this.#fallback) this.#fallback(text);
    else this.#pending.push(text);
  }

  /**
   * The view will never subscribe (it failed to load): write what was kept, and every line after,
   * with `write`. Without this, a long run would keep every line it ever printed.
   */
  fallback(write: (line: string) => void): void {
    this.#fallback = write;
    const pending = this.#pending;
    this.#pending = [];
    for (const l of pending) write(l);
  }

  /** Lines kept for a view that has not subscribed yet. */
  get pendingLines(): number {
    return this.#pending.length;
  }

  changed(): void {
    this.#listener?.onChange();
  }

  subscribe(listener: { onLine(line: string): void; onChange(): void }): () => void {
    this.#listener = listener;
    const pending = this.#pending;
    this.#pending = [];
    for (const l of pending) listener.onLine(l);
    listener.onChange();
    return () => {
      if (this.#listener === listener) this.#listener = undefined;
    };
  }
}
