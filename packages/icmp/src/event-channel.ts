/**
 * A push-to-pull bridge: the producer pushes events, one consumer pulls them with `for await`.
 * Events are buffered only once someone iterates, so a caller that only awaits the summary
 * does not accumulate a long run's events in memory.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  #buffer: T[] = [];
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((e: unknown) => void) | undefined;
  #iterating = false;
  #done = false;
  #error: unknown;
  #hasError = false;

  push(value: T): void {
    if (this.#done || !this.#iterating) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = undefined;
      resolve({ value, done: false });
    } else {
      this.#buffer.push(value);
    }
  }

  end(): void {
    this.#done = true;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = this.#failWaiting = undefined;
  }

  fail(error: unknown): void {
    this.#error = error;
    this.#hasError = true;
    this.#done = true;
    this.#failWaiting?.(error);
    this.#waiting = this.#failWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) throw new Error('this event stream is already being iterated');
    this.#iterating = true;
    return {
      next: () => {
        const value = this.#buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.#hasError) return Promise.reject(this.#error);
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
      return: () => {
        this.#buffer = [];
        this.#done = true;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
