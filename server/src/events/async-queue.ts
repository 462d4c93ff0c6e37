/**
 * A push-fed async iterator for subscriptions: producers `push` values and
 * `end` it, one consumer pulls with `for await` (graphql-ws does). Unlike an
 * async generator, `return()` ends it at once even while `next()` is
 * pending, so a client that unsubscribes never leaves a waiter behind.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  readonly #onClose: () => void;
  #done = false;
  #error: unknown = undefined;

  /** @param onClose runs once when the iterator ends, however it ends (cleanup: unsubscribe, stop timers) */
  constructor(onClose: () => void = () => undefined) {
    this.#onClose = onClose;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Delivers `value` to the consumer, or buffers it; ignored after the end. */
  push(value: T): void {
    if (this.#done) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.#buffer.push(value);
  }

  /** Ends the stream after the buffered values; with `error`, `next()` rejects with it once they are drained. */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) {
      if (error !== undefined) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.#onClose();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    if (this.#done) {
      if (this.#error !== undefined) {
        const error = this.#error;
        this.#error = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.#buffer.length = 0;
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
