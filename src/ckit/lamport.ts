// ckit's Lamport clock (docs/protocols/ckit.md §4.5): a uint64 counter. tick() adds one and returns
// the new time; observe(t) moves the clock to t + 1 when t >= now (a time we have seen must be in our
// past). Arithmetic wraps at 2^64 as Go's uint64 does (unreachable in practice, kept for equal behaviour).
const U64 = (1n << 64n) - 1n;

export class LamportClock {
  #now = 0n;

  now(): bigint {
    return this.#now;
  }

  tick(): bigint {
    this.#now = (this.#now + 1n) & U64;
    return this.#now;
  }

  observe(t: bigint): void {
    if (t < this.#now) return;
    this.#now = (t + 1n) & U64;
  }
}
