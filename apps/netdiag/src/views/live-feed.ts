/**
 * The bridge between a running job and its live view: the job pushes lines (printed above the
 * live part, like ping's per-reply lines) and state changes; the view subscribes when it has
 * loaded. Lines pushed before that are kept and handed over on subscription, so the first probe
 * never waits for Ink to load.
 */
export class LiveFeed<S> {
  #pending: string[] = [];
  #listener: { onLine(line: string): void; onChange(): void } | undefined;

  constructor(readonly snapshot: () => S) {}

  line(text: string): void {
    if (this.#listener) this.#listener.onLine(text);
    else this.#pending.push(text);
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
