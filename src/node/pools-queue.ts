// A bounded async queue for the pools API: producers never wait (a full queue either refuses the new
// item or drops its oldest, by policy), consumers await next() or iterate. close() rejects waiting
// consumers, disposes queued items and refuses new ones.
import { GossamerError } from "../util/index.ts";

export class QueueClosedError extends GossamerError {
  constructor() {
    super("pool.closed", "listener closed");
  }
}

export class AsyncQueue<T> {
  readonly #cap: number;
  readonly #policy: "refuse" | "drop-oldest";
  readonly #dispose: ((item: T) => void) | undefined;
  #items: T[] = [];
  #waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  #closed = false;
  refused = 0;
  dropped = 0;

  constructor(cap: number, policy: "refuse" | "drop-oldest", dispose?: (item: T) => void) {
    this.#cap = cap;
    this.#policy = policy;
    this.#dispose = dispose;
  }

  get size(): number {
    return this.#items.length;
  }

  /** False when the item was refused (full, or closed); it is disposed then. */
  push(item: T): boolean {
    if (this.#closed) {
      this.#dispose?.(item);
      return false;
    }
    const w = this.#waiters.shift();
    if (w) {
      w.resolve(item);
      return true;
    }
    if (this.#items.length >= this.#cap) {
      if (this.#policy === "refuse") {
        this.refused++;
        this.#dispose?.(item);
        return false;
      }
      const old = this.#items.shift()!;
      this.dropped++;
      this.#dispose?.(old);
    }
    this.#items.push(item);
    return true;
  }

  next(): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    if (this.#closed) return Promise.reject(new QueueClosedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  iterator(): AsyncIterator<T> {
    return {
      next: () =>
        this.next().then(
          (value) => ({ value, done: false }),
          (err: unknown) => {
            if (err instanceof QueueClosedError) return { value: undefined, done: true } as IteratorResult<T>;
            throw err;
          },
        ),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.reject(new QueueClosedError());
    for (const it of this.#items.splice(0)) this.#dispose?.(it);
  }
}
